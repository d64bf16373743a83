using System.Text.RegularExpressions;

namespace Ticketing.Api.Users;

/// <summary>
/// Sign-up rules. Names: 3–32 characters of letters, digits, <c>_</c>, <c>-</c>, <c>.</c>, unique regardless
/// of case. Passwords: 8–128 characters (NIST SP 800-63B §5.1.1.2: at least 8, allow long passphrases), not the name, and not
/// among the commonly used or easily guessed (NIST: "compare against a list of commonly-used, expected, or compromised values"):
/// zxcvbn (the zxcvbn-core port of Dropbox's estimator) must not score it 0 — its lists hold the most common passwords from breach
/// corpora, dictionary words and names, and it sees sequences, repeats, keyboard walks and dates, with the name as a user input.
/// </summary>
public static partial class UserRules
{
    /// <summary>Shortest accepted name, in characters.</summary>
    public const int MinNameLength = 3;

    /// <summary>Longest accepted name, in characters.</summary>
    public const int MaxNameLength = 32;

    /// <summary>Shortest accepted password, in characters.</summary>
    public const int MinPasswordLength = 8;

    /// <summary>Longest accepted password, in characters (bounds the hashing work one request can cause).</summary>
    public const int MaxPasswordLength = 128;

    /// <summary>True when <paramref name="name"/> may be a user name.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    /// <summary>True when <paramref name="password"/> is acceptable for <paramref name="name"/>.</summary>
    public static bool IsStrongPassword(string? password, string? name) =>
        password is { Length: >= MinPasswordLength and <= MaxPasswordLength }
        && !string.Equals(password, name, StringComparison.OrdinalIgnoreCase)
        && Zxcvbn.Zxcvbn.MatchPassword(password, name is null ? [] : [name]).Score > 0;

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]{3,32}$")]
    private static partial Regex NamePattern();
}
