using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Ticketing.Api.Challenge;

/// <summary>
/// The parameters of an ALTCHA v2 challenge, as <c>GET /api/challenge</c> answers them and the widget sends them back; the
/// properties are in the canonical (sorted) order the signature covers.
/// </summary>
/// <param name="Algorithm">Always <see cref="AltchaScheme.Algorithm"/> (<c>PBKDF2/SHA-256</c>).</param>
/// <param name="Cost">PBKDF2 iterations per counter tried (<c>Ticketing:Challenge:Cost</c>).</param>
/// <param name="ExpiresAt">Unix time in seconds after which the challenge is refused.</param>
/// <param name="KeyLength">Bytes of each derived key (32).</param>
/// <param name="KeyPrefix">Lowercase hex of the first 16 bytes of the key the hidden counter derives: the solver looks for it.</param>
/// <param name="KeySignature">Lowercase hex HMAC-SHA256 of that whole key under the key-signature secret, so the Api checks a solution with one HMAC.</param>
/// <param name="Nonce">Lowercase hex of 16 random bytes; the password of each derivation is the nonce followed by the counter (uint32, big-endian).</param>
/// <param name="Salt">Lowercase hex of 16 random bytes, PBKDF2's salt.</param>
public sealed record AltchaParameters(string Algorithm, int Cost, long ExpiresAt, int KeyLength, string KeyPrefix, string KeySignature,
    string Nonce, string Salt);

/// <summary>Answer of <c>GET /api/challenge</c>: an ALTCHA v2 challenge, the JSON the <c>altcha</c> 3.x widget fetches.</summary>
/// <param name="Parameters">What to solve.</param>
/// <param name="Signature">Lowercase hex HMAC-SHA256 of the canonical JSON of <paramref name="Parameters"/> (keys sorted, no spaces).</param>
public sealed record AltchaChallenge(AltchaParameters Parameters, string Signature);

/// <summary>What <see cref="AltchaScheme.Verify"/> found in a payload.</summary>
public enum AltchaVerdict
{
    /// <summary>A solution of a challenge this Api signed, still within its lifetime.</summary>
    Solved,

    /// <summary>Not base64 of the payload's JSON shape, or longer than <see cref="AltchaScheme.MaxPayloadLength"/>.</summary>
    Malformed,

    /// <summary>The challenge is not one this Api signed (unknown or changed parameters, wrong signature).</summary>
    Forged,

    /// <summary>A challenge of this Api whose <c>expiresAt</c> has passed.</summary>
    Expired,

    /// <summary>A challenge of this Api with a wrong or ill-formed solution.</summary>
    Unsolved,
}

/// <summary>The outcome of <see cref="AltchaScheme.Verify"/>: the verdict and, when <see cref="AltchaVerdict.Solved"/> or <see cref="AltchaVerdict.Unsolved"/>, the challenge.</summary>
/// <param name="Verdict">What was found.</param>
/// <param name="Challenge">The signed parameters; null unless the signature held.</param>
public readonly record struct AltchaCheck(AltchaVerdict Verdict, AltchaParameters? Challenge);

/// <summary>
/// ALTCHA's proof-of-work scheme, version 2 — the one the <c>altcha</c> 3.x widget solves natively and <c>altcha-lib</c> 2.x
/// (<c>createChallenge</c>/<c>verifySolution</c>, npm) implements — in its deterministic mode with key signatures, written here because
/// no ALTCHA library for .NET is on the package mirror:
/// <list type="number">
/// <item>The server draws a secret counter <c>n</c>, random 16-byte <c>nonce</c> and <c>salt</c>, and derives
/// <c>key = PBKDF2-HMAC-SHA256(password = nonce ‖ uint32be(n), salt, cost, 32 bytes)</c>. The challenge carries
/// <c>keyPrefix = hex(key[0..16])</c> and <c>keySignature = hex(HMAC-SHA256(keySecret, key))</c>, and is signed:
/// <c>signature = hex(HMAC-SHA256(signatureSecret, canonicalJSON(parameters)))</c>.</item>
/// <item>The browser tries counters 0, 1, 2, … until a derived key starts with <c>keyPrefix</c>, and sends
/// <c>base64(JSON {challenge: {parameters, signature}, solution: {counter, derivedKey, time}})</c>.</item>
/// <item>The server checks the signature, the expiry and <c>HMAC(keySecret, derivedKey) == keySignature</c>: one HMAC each, no
/// derivation. Comparisons are constant-time (<see cref="CryptographicOperations.FixedTimeEquals"/>).</item>
/// </list>
/// The secrets are strings whose UTF-8 bytes are the HMAC keys, as in altcha-lib, so a challenge made by either side verifies on the
/// other with the same secrets (the unit tests hold altcha-lib 2.8.0's own vectors). Not the classic v1 scheme
/// (<c>sha256(salt + number)</c> with <c>maxnumber</c>): widget 3.x still accepts v1 challenges, but as a compatibility path.
/// </summary>
public sealed class AltchaScheme
{
    /// <summary>The only algorithm issued and accepted: ALTCHA's name for PBKDF2 with HMAC-SHA256 (the widget's bundled default).</summary>
    public const string Algorithm = "PBKDF2/SHA-256";

    /// <summary>Bytes of each derived key (altcha-lib's default).</summary>
    public const int KeyLength = 32;

    /// <summary>Bytes of the derived key the challenge reveals as <see cref="AltchaParameters.KeyPrefix"/> (altcha-lib: half the key).</summary>
    public const int KeyPrefixLength = KeyLength / 2;

    /// <summary>Longest payload (base64 characters) looked at; a real one is about 900.</summary>
    public const int MaxPayloadLength = 4096;

    private const int RandomBytes = 16;

    private static readonly string[] ParameterNames = ["algorithm", "cost", "expiresAt", "keyLength", "keyPrefix", "keySignature", "nonce", "salt"];

    private readonly byte[] _signatureKey;
    private readonly byte[] _keySignatureKey;

    /// <summary>A scheme with the two HMAC secrets (altcha-lib's <c>hmacSignatureSecret</c> and <c>hmacKeySignatureSecret</c>).</summary>
    /// <exception cref="ArgumentException">A secret is empty, or both are the same.</exception>
    public AltchaScheme(string signatureSecret, string keySignatureSecret)
    {
        ArgumentException.ThrowIfNullOrEmpty(signatureSecret);
        ArgumentException.ThrowIfNullOrEmpty(keySignatureSecret);
        if (signatureSecret == keySignatureSecret)
        {
            throw new ArgumentException("The challenge and key signatures need different secrets.", nameof(keySignatureSecret));
        }

        _signatureKey = Encoding.UTF8.GetBytes(signatureSecret);
        _keySignatureKey = Encoding.UTF8.GetBytes(keySignatureSecret);
    }

    /// <summary>
    /// The scheme keyed from the Api's token signing key (<see cref="Auth.AuthOptions.SigningKey"/>, as <see cref="Auth.TokenSigning"/>
    /// decodes it) rather than a secret of its own: each secret is the lowercase hex of HKDF-SHA256 (RFC 5869) of that key with an info
    /// label of its purpose (<c>ticketing/altcha/challenge-signature</c>, <c>ticketing/altcha/key-signature</c>), so neither can sign a
    /// token, nor a token key a challenge.
    /// </summary>
    public static AltchaScheme FromSigningKey(byte[] signingKey) =>
        new(DeriveSecret(signingKey, "ticketing/altcha/challenge-signature"), DeriveSecret(signingKey, "ticketing/altcha/key-signature"));

    /// <summary>
    /// The work of one try: PBKDF2-HMAC-SHA256 of <c>nonce ‖ uint32be(counter)</c> with <paramref name="salt"/> and <paramref name="cost"/>
    /// iterations, <see cref="KeyLength"/> bytes (altcha-lib's <c>PasswordBuffer</c> in <c>uint32</c> mode and its <c>pbkdf2</c> deriveKey).
    /// </summary>
    public static byte[] DeriveKey(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> salt, uint counter, int cost)
    {
        Span<byte> password = stackalloc byte[nonce.Length + sizeof(uint)];
        nonce.CopyTo(password);
        BinaryPrimitives.WriteUInt32BigEndian(password[nonce.Length..], counter);
        return Rfc2898DeriveBytes.Pbkdf2(password, salt, cost, HashAlgorithmName.SHA256, KeyLength);
    }

    /// <summary>A new challenge hiding <paramref name="counter"/>, <paramref name="cost"/> iterations per try, refused after <paramref name="expiresAt"/> (whole seconds).</summary>
    public AltchaChallenge Create(uint counter, int cost, DateTimeOffset expiresAt) =>
        Create(counter, cost, expiresAt, RandomNumberGenerator.GetBytes(RandomBytes), RandomNumberGenerator.GetBytes(RandomBytes));

    /// <summary>As <see cref="Create(uint, int, DateTimeOffset)"/> with a given nonce and salt (tests replay fixed vectors with it).</summary>
    public AltchaChallenge Create(uint counter, int cost, DateTimeOffset expiresAt, byte[] nonce, byte[] salt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cost, 1);
        var key = DeriveKey(nonce, salt, counter, cost);
        var parameters = new AltchaParameters(Algorithm, cost, expiresAt.ToUnixTimeSeconds(), KeyLength,
            Convert.ToHexStringLower(key.AsSpan(0, KeyPrefixLength)), Convert.ToHexStringLower(HMACSHA256.HashData(_keySignatureKey, key)),
            Convert.ToHexStringLower(nonce), Convert.ToHexStringLower(salt));
        return new AltchaChallenge(parameters, Convert.ToHexStringLower(Sign(parameters)));
    }

    /// <summary>
    /// Checks a payload as the widget sends it (<c>base64(JSON {challenge: {parameters, signature}, solution: {counter, derivedKey}})</c>)
    /// at time <paramref name="now"/>: the signature over the parameters, then the expiry, then the solution against the key signature.
    /// Never throws on bad input: anything that is not a solved challenge of this Api has a verdict.
    /// </summary>
    public AltchaCheck Verify(string payload, DateTimeOffset now)
    {
        if (payload.Length is 0 or > MaxPayloadLength)
        {
            return new(AltchaVerdict.Malformed, null);
        }

        var bytes = new byte[payload.Length];
        if (!Convert.TryFromBase64String(payload, bytes, out var length))
        {
            return new(AltchaVerdict.Malformed, null);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes.AsMemory(0, length), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException)
        {
            return new(AltchaVerdict.Malformed, null);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !TryGet(document.RootElement, "challenge", JsonValueKind.Object, out var challenge)
                || !TryGet(challenge, "parameters", JsonValueKind.Object, out var parametersJson)
                || !TryGet(document.RootElement, "solution", JsonValueKind.Object, out var solution))
            {
                return new(AltchaVerdict.Malformed, null);
            }

            // The signature covers exactly the parameters this Api issues: any other shape (a field added, dropped or retyped) is not ours.
            if (!TryReadParameters(parametersJson, out var parameters)
                || !TryGet(challenge, "signature", JsonValueKind.String, out var signatureJson)
                || !TryDecodeHex(signatureJson.GetString(), SHA256.HashSizeInBytes, out var signature)
                || !CryptographicOperations.FixedTimeEquals(signature, Sign(parameters)))
            {
                return new(AltchaVerdict.Forged, null);
            }

            if (now > DateTimeOffset.FromUnixTimeSeconds(parameters.ExpiresAt))
            {
                return new(AltchaVerdict.Expired, parameters);
            }

            var solved = TryGet(solution, "counter", JsonValueKind.Number, out var counter) && counter.TryGetUInt32(out _)
                && TryGet(solution, "derivedKey", JsonValueKind.String, out var derivedKeyJson)
                && TryDecodeHex(derivedKeyJson.GetString(), parameters.KeyLength, out var derivedKey)
                && CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_keySignatureKey, derivedKey), Convert.FromHexString(parameters.KeySignature));
            return new(solved ? AltchaVerdict.Solved : AltchaVerdict.Unsolved, parameters);
        }
    }

    /// <summary>HMAC-SHA256 of the canonical JSON of <paramref name="parameters"/>: keys in ordinal order, no whitespace (altcha-lib's <c>canonicalJSON</c>).</summary>
    private byte[] Sign(AltchaParameters parameters)
    {
        var json = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(json))
        {
            // Every string is validated lowercase hex or the algorithm's name, so no escaping differs from JavaScript's JSON.stringify.
            writer.WriteStartObject();
            writer.WriteString("algorithm", parameters.Algorithm);
            writer.WriteNumber("cost", parameters.Cost);
            writer.WriteNumber("expiresAt", parameters.ExpiresAt);
            writer.WriteNumber("keyLength", parameters.KeyLength);
            writer.WriteString("keyPrefix", parameters.KeyPrefix);
            writer.WriteString("keySignature", parameters.KeySignature);
            writer.WriteString("nonce", parameters.Nonce);
            writer.WriteString("salt", parameters.Salt);
            writer.WriteEndObject();
        }

        return HMACSHA256.HashData(_signatureKey, json.WrittenSpan);
    }

    private static bool TryReadParameters(JsonElement json, out AltchaParameters parameters)
    {
        parameters = null!;
        var names = json.EnumerateObject().Select(p => p.Name).ToArray();
        if (!names.Order(StringComparer.Ordinal).SequenceEqual(ParameterNames, StringComparer.Ordinal)
            || json.GetProperty("algorithm").ValueKind != JsonValueKind.String || json.GetProperty("algorithm").GetString() != Algorithm
            || !TryGetInt(json, "cost", out var cost) || cost < 1
            || !json.GetProperty("expiresAt").TryGetInt64(out var expiresAt) || expiresAt < 0
            || !TryGetInt(json, "keyLength", out var keyLength) || keyLength != KeyLength
            || !TryGetHex(json, "keyPrefix", KeyPrefixLength, out var keyPrefix)
            || !TryGetHex(json, "keySignature", SHA256.HashSizeInBytes, out var keySignature)
            || !TryGetHex(json, "nonce", RandomBytes, out var nonce)
            || !TryGetHex(json, "salt", RandomBytes, out var salt))
        {
            return false;
        }

        parameters = new AltchaParameters(Algorithm, cost, expiresAt, keyLength, keyPrefix, keySignature, nonce, salt);
        return true;
    }

    private static bool TryGetInt(JsonElement json, string name, out int value)
    {
        value = 0;
        return json.GetProperty(name).ValueKind == JsonValueKind.Number && json.GetProperty(name).TryGetInt32(out value);
    }

    private static bool TryGetHex(JsonElement json, string name, int bytes, out string hex)
    {
        var element = json.GetProperty(name);
        hex = element.ValueKind == JsonValueKind.String ? element.GetString()! : "";
        return TryDecodeHex(hex, bytes, out _);
    }

    private static bool TryGet(JsonElement json, string name, JsonValueKind kind, out JsonElement value) =>
        json.TryGetProperty(name, out value) && value.ValueKind == kind;

    // Lowercase hex of exactly `bytes` bytes, as every ALTCHA solver writes it (altcha-lib refuses other spellings too).
    private static bool TryDecodeHex(string? hex, int bytes, out byte[] value)
    {
        value = [];
        if (hex is null || hex.Length != bytes * 2 || !hex.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            return false;
        }

        value = Convert.FromHexString(hex);
        return true;
    }

    private static string DeriveSecret(byte[] signingKey, string purpose) =>
        Convert.ToHexStringLower(HKDF.DeriveKey(HashAlgorithmName.SHA256, signingKey, 32, salt: [], info: Encoding.UTF8.GetBytes(purpose)));
}
