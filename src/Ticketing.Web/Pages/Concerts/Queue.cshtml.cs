using Microsoft.AspNetCore.Mvc;
using Ticketing.Client;
using Ticketing.Web.Services;

namespace Ticketing.Web.Pages.Concerts;

/// <summary>
/// The concert's waiting room: join the line (<c>POST …/queue</c>), watch the position move (the page polls the
/// <c>Status</c> handler every 2 s, which is also the heartbeat), and go on to the schedules once ACTIVE.
/// </summary>
public class QueueModel(ITicketingApi api) : TicketingPageModel
{
    /// <summary>The concert.</summary>
    [FromRoute]
    public Guid ConcertId { get; set; }

    /// <summary>The caller's state in line, when they have joined.</summary>
    public QueueState? State { get; private set; }

    /// <summary>Shows the state; an ACTIVE pass goes straight on to the schedules.</summary>
    public async Task<IActionResult> OnGetAsync()
    {
        if (UserSession.QueueToken(HttpContext, ConcertId) is null)
        {
            return Page();
        }

        var result = await api.GetQueueStatusAsync(ConcertId, HttpContext.RequestAborted);
        if (result.Problem() is { } problem)
        {
            UserSession.ClearQueueToken(HttpContext, ConcertId);
            return await HandleProblemAsync(problem) ?? Page();
        }

        State = result.Content;
        if (State!.Status == ApiContract.QueueStatus.Expired)
        {
            UserSession.ClearQueueToken(HttpContext, ConcertId);
        }

        return State.Status == ApiContract.QueueStatus.Active ? RedirectToPage("/Concerts/Schedules", new { concertId = ConcertId }) : Page();
    }

    /// <summary>Joins the line (or gets the caller's live place back).</summary>
    public async Task<IActionResult> OnPostJoinAsync()
    {
        var result = await api.JoinQueueAsync(ConcertId, HttpContext.RequestAborted);
        if (result.Problem() is { } problem)
        {
            return await HandleProblemAsync(problem) ?? Page();
        }

        UserSession.SetQueueToken(HttpContext, ConcertId, result.Content!.QueueToken);
        return RedirectToPage(new { concertId = ConcertId });
    }

    /// <summary>Leaves the line, or gives the active slot back.</summary>
    public async Task<IActionResult> OnPostLeaveAsync()
    {
        if (UserSession.QueueToken(HttpContext, ConcertId) is not null)
        {
            await api.LeaveQueueAsync(ConcertId, HttpContext.RequestAborted);
            UserSession.ClearQueueToken(HttpContext, ConcertId);
        }

        Notice = "You left the line.";
        return RedirectToPage("/Index");
    }

    /// <summary>
    /// JSON for the page's poll: <c>{status, position, estimatedWaitSeconds}</c>; <c>{status: "NONE"}</c> without a pass,
    /// <c>{status: "ERROR", message}</c> when the Api answers a problem.
    /// </summary>
    public async Task<IActionResult> OnGetStatusAsync()
    {
        if (UserSession.QueueToken(HttpContext, ConcertId) is null)
        {
            return new JsonResult(new { status = "NONE" });
        }

        var result = await api.GetQueueStatusAsync(ConcertId, HttpContext.RequestAborted);
        if (result.Problem() is { } problem)
        {
            return new JsonResult(new { status = "ERROR", message = ErrorMessages.For(problem) });
        }

        return new JsonResult(new { result.Content!.Status, result.Content.Position, result.Content.EstimatedWaitSeconds });
    }
}
