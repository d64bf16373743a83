using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ticketing.Web.Pages;

/// <summary>The home page.</summary>
public class IndexModel : PageModel
{
    /// <summary>Renders the page.</summary>
    public void OnGet()
    {

    }
}
