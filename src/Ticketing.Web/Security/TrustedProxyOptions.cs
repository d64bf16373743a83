using System.Net;

namespace Ticketing.Web.Security;

/// <summary>
/// The TLS proxy (load balancer, ingress) in front of the Web, bound from <c>Ticketing:Web</c> and validated at start-up. Only a
/// request that arrives from one of <see cref="TrustedProxies"/> has its <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c>
/// believed (ASP.NET Core's ForwardedHeaders middleware): the browser's address then becomes the request's remote address (what
/// the Web passes on to the Api's per-client rate limits) and <c>https</c> its scheme (HSTS, Secure cookies).
/// </summary>
public sealed class TrustedProxyOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Ticketing:Web";

    /// <summary>
    /// Addresses (<c>10.0.0.5</c>, <c>::1</c>) and networks in CIDR notation (<c>10.0.0.0/8</c>) of the proxies in front of the
    /// Web, comma-separated (<c>Ticketing__Web__TrustedProxies</c>). Empty, the default: forwarded headers are ignored, whoever
    /// sends them — a Web that faces browsers directly must not let them choose their address. ASP.NET Core's own
    /// <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c> is not used: it believes every sender.
    /// </summary>
    public string TrustedProxies { get; set; } = "";

    /// <summary>
    /// <see cref="TrustedProxies"/> as networks (an address is a network of one), or null with <paramref name="error"/> naming the
    /// entry that is neither an address nor a CIDR network.
    /// </summary>
    public IReadOnlyList<IPNetwork>? Networks(out string? error)
    {
        var networks = new List<IPNetwork>();
        foreach (var entry in TrustedProxies.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                error = $"{SectionName}:TrustedProxies: '{entry}' is neither an IP address nor a CIDR network (10.0.0.0/8).";
                return null;
            }
        }

        error = null;
        return networks;
    }
}
