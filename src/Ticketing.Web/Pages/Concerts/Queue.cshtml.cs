using Microsoft.AspNetCore.Mvc;
using Ticketing.Web.Services;

namespace Ticketing.Web.Pages.Concerts;

/// <summary>
/// The concert's waiting room: join the line (<c>POST …/queue</c>), watch the position move (the page polls the
/// <c>Status</c> handler every 2 s, which is also the heartbeat), and go on to the schedules once ACTIVE.
/// </summary>
public class QueueModel(TicketingApiClient api) : TicketingPageModel
{
    /// <summary>The concert.</summary>
    [FromRoute]
    public Guid ConcertId { get; set; }

    /// <summary>The caller's state in line, when they have joined.</summary>
    public QueueState? State { get; private set; }

    /// <summary>Shows the state; an ACTIVE pass goes straight on to the schedules.</summary>
    public async Task<IActionResult> OnGetAsync()
    {
        if (UserSession.QueueToken(HttpContext, ConcertId) is not { } token)
        {
            return Page();
        }

        var result = await api.GetQueueStatusAsync(AccessToken, ConcertId, token, HttpContext.RequestAborted);
        if (result.Problem is { } problem)
        {
            UserSession.ClearQueueToken(HttpContext, ConcertId);
            return await HandleProblemAsync(problem) ?? Page();
        }

        State = result.Value;
        if (State!.Status == "EXPIRED")
        {
            UserSession.ClearQueueToken(HttpContext, ConcertId);
        }

        return State.Status == "ACTIVE" ? RedirectToPage("/Concerts/Schedules", new { concertId = ConcertId }) : Page();
    }

    /// <summary>Joins the line (or gets the caller's live place back).</summary>
    public async Task<IActionResult> OnPostJoinAsync()
    {
        var result = await api.JoinQueueAsync(AccessToken, ConcertId, HttpContext.RequestAborted);
        if (result.Problem is { } problem)
        {
            return await HandleProblemAsync(problem) ?? Page();
        }

        UserSession.SetQueueToken(HttpContext, ConcertId, result.Value!.QueueToken);
        return RedirectToPage(new { concertId = ConcertId });
    }

    /// <summary>Leaves the line, or gives the active slot back.</summary>
    public async Task<IActionResult> OnPostLeaveAsync()
    {
        if (UserSession.QueueToken(HttpContext, ConcertId) is { } token)
        {
            await api.LeaveQueueAsync(AccessToken, ConcertId, token, HttpContext.RequestAborted);
            UserSession.ClearQueueToken(HttpContext, ConcertId);
        }

        Notice = "You left the line.";
        return RedirectToPage("/Index");
    }

    /// <summary>JSON for the page's poll: <c>{status, position, estimatedWaitSeconds}</c>, or <c>{status: "EXPIRED"}</c>.</summary>
    public async Task<IActionResult> OnGetStatusAsync()
    {
        if (UserSession.QueueToken(HttpContext, ConcertId) is not { } token)
        {
            return new JsonResult(new { status = "NONE" });
        }

        var result = await api.GetQueueStatusAsync(AccessToken, ConcertId, token, HttpContext.RequestAborted);
        if (result.Problem is { } problem)
        {
            return new JsonResult(new { status = "ERROR", message = problem.Message });
        }

        return new JsonResult(new { result.Value!.Status, result.Value.Position, result.Value.EstimatedWaitSeconds });
    }
}
