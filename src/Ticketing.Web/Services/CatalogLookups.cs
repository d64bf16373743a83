using Ticketing.Client;

namespace Ticketing.Web.Services;

/// <summary>What a page needs to name the concert and the date it is about, read through <see cref="ITicketingApi"/>.</summary>
public static class CatalogLookups
{
    /// <summary>
    /// The concert <paramref name="concertId"/> from <c>GET /api/concerts</c> (output-cached by the Api, so cheap), or null when it
    /// is not listed or the list could not be read (the page then shows no heading rather than an error).
    /// </summary>
    public static async Task<Concert?> FindConcertAsync(this ITicketingApi api, Guid concertId, CancellationToken cancellationToken) =>
        (await api.GetConcertsAsync(cancellationToken)).Content?.FirstOrDefault(c => c.ConcertId == concertId);
}
