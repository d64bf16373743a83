using System.Net;
using System.Text.RegularExpressions;

namespace Ticketing.IntegrationTests.Web;

/// <summary>
/// A browser without JavaScript that keeps its cookies by hand, so a test sees every <c>Set-Cookie</c> line as sent (flags
/// included), can send a cookie a <see cref="CookieContainer"/> would withhold (a <c>Secure</c> cookie over http, as behind a
/// TLS proxy) or replay an old one, and follows no redirect by itself.
/// </summary>
internal sealed partial class RawBrowser(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = baseAddress };

    /// <summary>The cookies kept so far, by name.</summary>
    public Dictionary<string, string> Cookies { get; } = [];

    /// <summary>Every <c>Set-Cookie</c> line received, in order.</summary>
    public List<string> SetCookies { get; } = [];

    /// <summary>Headers sent with every request (e.g. <c>X-Forwarded-Proto</c>).</summary>
    public Dictionary<string, string> Headers { get; } = [];

    /// <summary>The last <c>Set-Cookie</c> line for <paramref name="namePrefix"/>, lower-cased for flag checks.</summary>
    public string LastSetCookie(string namePrefix) =>
        SetCookies.Last(line => line.StartsWith(namePrefix, StringComparison.Ordinal)).ToLowerInvariant();

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path));

    /// <summary>Loads <paramref name="formPage"/> and posts <paramref name="fields"/> to <paramref name="action"/> with its anti-forgery token.</summary>
    public async Task<HttpResponseMessage> SubmitAsync(string formPage, string action, Dictionary<string, string> fields)
    {
        var html = await (await GetAsync(formPage)).Content.ReadAsStringAsync();
        var token = AntiForgery().Match(html);
        token.Success.ShouldBeTrue($"no anti-forgery token on {formPage}");
        var form = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = token.Groups[1].Value };
        return await SendAsync(new HttpRequestMessage(HttpMethod.Post, action) { Content = new FormUrlEncodedContent(form) });
    }

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        foreach (var (name, value) in Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (Cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", Cookies.Select(c => $"{c.Key}={c.Value}")));
        }

        var response = await _http.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var lines))
        {
            foreach (var line in lines)
            {
                SetCookies.Add(line);
                var pair = line.Split(';', 2)[0];
                var (name, value) = (pair[..pair.IndexOf('=')], pair[(pair.IndexOf('=') + 1)..]);
                if (value.Length == 0 || line.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                {
                    Cookies.Remove(name);
                }
                else
                {
                    Cookies[name] = value;
                }
            }
        }

        return response;
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiForgery();
}
