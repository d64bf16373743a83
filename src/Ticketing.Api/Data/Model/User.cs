namespace Ticketing.Api.Data.Model;

/// <summary>A row of <c>users</c>: an account and its point balance.</summary>
public sealed class User
{
    /// <summary>Primary key; a UUIDv7 made at sign-up.</summary>
    public Guid Id { get; set; }

    /// <summary>As registered: 3–32 characters (<see cref="Users.UserRules"/>), unique regardless of case (index <c>users_name_unique</c> on <c>lower(name)</c>).</summary>
    public string Name { get; set; } = "";

    /// <summary>ASP.NET Core Identity V3 hash (PBKDF2) of the password.</summary>
    public string PasswordHash { get; set; } = "";

    /// <summary>Points, never negative (check <c>users_balance_non_negative</c>); 0 on sign-up (column default).</summary>
    public long Balance { get; set; }

    /// <summary>When the account was made (UTC; column default <c>now()</c>).</summary>
    public DateTimeOffset CreatedAt { get; set; }
}
