using Microsoft.AspNetCore.Mvc;
using Ticketing.Client;
using Ticketing.Web.Services;

namespace Ticketing.Web.Pages.Concerts;

/// <summary>
/// The concert's waiting room: join the line (<c>POST …/queue</c>) — or, before the sale opens, the pre-queue, which the page
/// explains — watch the position move and go on to the schedules once ACTIVE. The page listens to the <c>Events</c> handler with <c>EventSource</c> (the Api's live stream, relayed by
/// <see cref="QueueEventsRelay"/>; the open stream is also the heartbeat), and falls back to polling the <c>Status</c> handler
/// every 2 s when the browser has no <c>EventSource</c> or the stream keeps failing (wwwroot/js/waiting-room.js).
/// </summary>
public class QueueModel(ITicketingApi api) : TicketingPageModel
{
    /// <summary>The concert.</summary>
    [FromRoute]
    public Guid ConcertId { get; set; }

    /// <summary>The ALTCHA widget's payload (<see cref="JoinChallengeRelay.FieldName"/>), passed on as <c>X-Challenge-Solution</c> when joining.</summary>
    [BindProperty]
    public string? ChallengeSolution { get; set; }

    /// <summary>The concert's title, performer and venue; null when the concert list could not be read.</summary>
    public Concert? Concert { get; private set; }

    /// <summary>The caller's state in line, when they have joined.</summary>
    public QueueState? State { get; private set; }

    /// <summary>The position the caller joined at (the progress bar's start), when known.</summary>
    public long? StartPosition { get; private set; }

    /// <summary>When <see cref="State"/> was read (UTC).</summary>
    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>Shows the state; an ACTIVE pass goes straight on to the schedules. 404 for a concert the Api does not list.</summary>
    public async Task<IActionResult> OnGetAsync()
    {
        var concerts = await api.GetConcertsAsync(HttpContext.RequestAborted);
        Concert = concerts.Content?.FirstOrDefault(c => c.ConcertId == ConcertId);
        if (concerts.Content is not null && Concert is null)
        {
            return NotFound();
        }

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
        UpdatedAt = DateTimeOffset.UtcNow;
        StartPosition = UserSession.StartPosition(HttpContext, ConcertId);
        if (State!.Status == ApiContract.QueueStatus.Waiting && StartPosition is null)
        {
            // Out of the pre-queue: the place the draw gave is where the progress bar starts.
            UserSession.KeepStartPosition(HttpContext, ConcertId, State.Position);
            StartPosition = State.Position;
        }

        if (State.Status == ApiContract.QueueStatus.Expired)
        {
            UserSession.ClearQueueToken(HttpContext, ConcertId);
        }

        return State.Status == ApiContract.QueueStatus.Active ? RedirectToPage("/Concerts/Schedules", new { concertId = ConcertId }) : Page();
    }

    /// <summary>Joins the line (or gets the caller's live place back).</summary>
    public async Task<IActionResult> OnPostJoinAsync()
    {
        var result = await api.JoinQueueAsync(ConcertId, ChallengeSolution, HttpContext.RequestAborted);
        if (result.Problem() is { } problem)
        {
            return await HandleProblemAsync(problem) ?? Page();
        }

        UserSession.SetQueueToken(HttpContext, ConcertId, result.Content!.QueueToken,
            result.Content.Status == ApiContract.QueueStatus.PreQueue ? null : result.Content.Position);
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
    /// JSON for the page's fallback poll: <c>{status, position, estimatedWaitSeconds}</c>; <c>{status: "NONE"}</c> without a pass,
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

    /// <summary>
    /// <c>text/event-stream</c> for the page's <c>EventSource</c>: the Api's live stream of the caller's pass, relayed as it comes
    /// (<see cref="QueueEventsRelay"/>; 204 without a pass, the Api's problem when it refuses).
    /// </summary>
    public async Task<IActionResult> OnGetEventsAsync([FromServices] QueueEventsRelay relay)
    {
        await relay.RelayAsync(HttpContext, ConcertId);
        return new EmptyResult();
    }
}
