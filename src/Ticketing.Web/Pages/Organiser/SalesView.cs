using Ticketing.Client;

namespace Ticketing.Web.Pages.Organiser;

/// <summary>What <c>_Sales.cshtml</c> renders: a show's sales as read at <paramref name="ReadAt"/>, or why they could not be read.</summary>
/// <param name="Sales">The figures (points for money), or null when the Api refused.</param>
/// <param name="Error">The refusal in words, when <paramref name="Sales"/> is null.</param>
/// <param name="ReadAt">When the figures were read (UTC).</param>
public sealed record SalesView(ScheduleSales? Sales, string? Error, DateTimeOffset ReadAt);
