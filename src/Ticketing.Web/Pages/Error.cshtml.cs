using System.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ticketing.Web.Pages;

/// <summary>The page shown for an unhandled error or an error status (404 and the like), without internals.</summary>
[ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
[IgnoreAntiforgeryToken]
public class ErrorModel : PageModel
{
    /// <summary>The request's trace identifier, shown so a person can quote it.</summary>
    public string? RequestId { get; set; }

    /// <summary>Whether <see cref="RequestId"/> is known.</summary>
    public bool ShowRequestId => !string.IsNullOrEmpty(RequestId);

    /// <summary>The status being explained (500 for an exception).</summary>
    public int ErrorStatus { get; set; } = 500;

    /// <summary>Fills <see cref="RequestId"/> and <see cref="ErrorStatus"/>.</summary>
    public void OnGet(int? code)
    {
        RequestId = Activity.Current?.TraceId.ToString() ?? HttpContext.TraceIdentifier;
        ErrorStatus = code ?? 500;
    }
}
