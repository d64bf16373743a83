namespace Ticketing.Api.Organisers;

/// <summary>
/// Who is an organiser, bound from <c>Ticketing:Organisers</c> (API.md "Users": <c>Ticketing__Organisers__Names</c>). Read when an
/// access token is issued: the role is signed into the token, so a change reaches a user at their next sign-in.
/// </summary>
public sealed class OrganiserOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Ticketing:Organisers";

    /// <summary>User names, comma-separated, compared without regard to case (as names are unique); none by default.</summary>
    public string Names { get; set; } = "";

    /// <summary>True when <paramref name="name"/> is one of <see cref="Names"/>.</summary>
    public bool IsOrganiser(string name) =>
        Names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Contains(name, StringComparer.OrdinalIgnoreCase);
}
