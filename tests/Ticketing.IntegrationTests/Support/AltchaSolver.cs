using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ticketing.Client;

namespace Ticketing.IntegrationTests.Support;

/// <summary>
/// The join challenge from a client's side, written from the published scheme (the OpenAPI description of <c>GET /api/challenge</c>,
/// ALTCHA v2 as altcha-lib 2.x implements it), not from the Api's code: brute force of the counter, and — for tests that need a
/// challenge the Api would not hand out (an expired one) — signing with secrets derived from the system's token key as the Api
/// documents it (HKDF-SHA256, info <c>ticketing/altcha/…</c>).
/// </summary>
public static class AltchaSolver
{
    /// <summary>A new challenge of <paramref name="api"/> and its solution: the <c>X-Challenge-Solution</c> value.</summary>
    public static async Task<string> SolveNewAsync(ITicketingApi api) => Solve((await api.GetChallengeAsync()).ShouldReturn()).Header;

    /// <summary>
    /// Tries counters from 0 up, split over the machine's cores, until PBKDF2-HMAC-SHA256(nonce ‖ uint32be(counter), salt, cost) starts
    /// with the key prefix; returns the header value, the counter and how long it took.
    /// </summary>
    public static (string Header, uint Counter, TimeSpan Took) Solve(AltchaChallenge challenge)
    {
        var clock = Stopwatch.StartNew();
        var p = challenge.Parameters;
        p.Algorithm.ShouldBe("PBKDF2/SHA-256");
        var nonce = Convert.FromHexString(p.Nonce);
        var salt = Convert.FromHexString(p.Salt);
        var prefix = Convert.FromHexString(p.KeyPrefix);
        var workers = Environment.ProcessorCount;
        var found = -1L;
        Parallel.For(0, workers, worker =>
        {
            var password = new byte[nonce.Length + 4];
            nonce.CopyTo(password, 0);
            for (long counter = worker; counter <= uint.MaxValue && Interlocked.Read(ref found) < 0; counter += workers)
            {
                BinaryPrimitives.WriteUInt32BigEndian(password.AsSpan(nonce.Length), (uint)counter);
                if (Rfc2898DeriveBytes.Pbkdf2(password, salt, p.Cost, HashAlgorithmName.SHA256, p.KeyLength).AsSpan().StartsWith(prefix))
                {
                    Interlocked.CompareExchange(ref found, counter, -1);
                }
            }
        });

        var solution = (uint)found;
        var password = nonce.Concat(BitConverter.GetBytes(BinaryPrimitives.ReverseEndianness(solution))).ToArray();
        var key = Rfc2898DeriveBytes.Pbkdf2(password, salt, p.Cost, HashAlgorithmName.SHA256, p.KeyLength);
        return (challenge.SolutionHeader(solution, Convert.ToHexStringLower(key)), solution, clock.Elapsed);
    }

    /// <summary>
    /// A challenge signed as the Api of the system whose token signing key is <paramref name="signingKeyBase64"/> signs it, hiding
    /// <paramref name="counter"/>, expiring at <paramref name="expiresAt"/> — what the Api would never hand out, e.g. one already expired.
    /// </summary>
    public static AltchaChallenge Forge(string signingKeyBase64, uint counter, int cost, DateTimeOffset expiresAt)
    {
        var signingKey = Convert.FromBase64String(signingKeyBase64);
        var signatureSecret = Secret(signingKey, "ticketing/altcha/challenge-signature");
        var keySecret = Secret(signingKey, "ticketing/altcha/key-signature");
        var nonce = RandomNumberGenerator.GetBytes(16);
        var salt = RandomNumberGenerator.GetBytes(16);
        var password = nonce.Concat(BitConverter.GetBytes(BinaryPrimitives.ReverseEndianness(counter))).ToArray();
        var key = Rfc2898DeriveBytes.Pbkdf2(password, salt, cost, HashAlgorithmName.SHA256, 32);
        var parameters = new AltchaParameters("PBKDF2/SHA-256", cost, expiresAt.ToUnixTimeSeconds(), 32, Convert.ToHexStringLower(key.AsSpan(0, 16)),
            Convert.ToHexStringLower(HMACSHA256.HashData(keySecret, key)), Convert.ToHexStringLower(nonce), Convert.ToHexStringLower(salt));
        // The canonical JSON: keys sorted, no spaces (altcha-lib's canonicalJSON); the record declares them in that order.
        var canonical = JsonSerializer.SerializeToUtf8Bytes(parameters, JsonSerializerOptions.Web);
        return new AltchaChallenge(parameters, Convert.ToHexStringLower(HMACSHA256.HashData(signatureSecret, canonical)));
    }

    private static byte[] Secret(byte[] signingKey, string purpose) => Encoding.UTF8.GetBytes(
        Convert.ToHexStringLower(HKDF.DeriveKey(HashAlgorithmName.SHA256, signingKey, 32, [], Encoding.UTF8.GetBytes(purpose))));
}
