namespace Ticketing.Web.Services;

/// <summary>
/// Words a person understands for every error <c>code</c> of the Api contract (shared/API.md). Unknown codes fall
/// back to the Api's own detail or title.
/// </summary>
public static class ErrorMessages
{
    private static readonly Dictionary<string, string> Messages = new(StringComparer.Ordinal)
    {
        ["INVALID_REQUEST"] = "Something in the form isn't right. Check it and try again.",
        ["NOT_FOUND"] = "We couldn't find that page or item.",
        ["UNAUTHORIZED"] = "Please sign in to continue.",
        ["FORBIDDEN"] = "You're not allowed to do that.",
        ["PAYLOAD_TOO_LARGE"] = "That's more than we can accept in one go.",
        ["TOO_MANY_REQUESTS"] = "Too many tries in a short time. Wait a moment and try again.",
        ["INTERNAL_ERROR"] = "Something went wrong on our side. Please try again in a moment.",
        ["SERVICE_UNAVAILABLE"] = "The ticketing service is unavailable right now. Please try again in a moment.",
        ["INVALID_NAME"] = "Names are 3 to 32 letters, digits, dots, dashes or underscores.",
        ["WEAK_PASSWORD"] = "That password is too short. Use at least 8 characters.",
        ["NAME_TAKEN"] = "Someone already uses that name. Pick another one.",
        ["BAD_CREDENTIALS"] = "That name and password don't match an account.",
        ["QUEUE_TOKEN_INVALID"] = "Your place in line isn't valid any more. Join the line again.",
        ["QUEUE_TOKEN_NOT_ACTIVE"] = "You're still in the waiting room. We'll let you in as soon as it's your turn.",
        ["QUEUE_TOKEN_EXPIRED"] = "Your turn has ended (you were away too long, left, or already paid). Join the line again to book more.",
        ["QUEUE_TOKEN_WRONG_CONCERT"] = "Your pass is for a different concert. Join this concert's line first.",
        ["CONCERT_NOT_FOUND"] = "We couldn't find that concert.",
        ["SCHEDULE_NOT_FOUND"] = "We couldn't find that date.",
        ["SEAT_UNAVAILABLE"] = "Someone else is holding or has bought this seat. Pick another one.",
        ["SEAT_NOT_FOUND"] = "That seat doesn't exist.",
        ["BOOKING_CLOSED"] = "Booking for this date is closed.",
        ["HOLD_LIMIT_REACHED"] = "You're already holding the most seats allowed for this date. Pay for or release one first.",
        ["HOLD_NOT_FOUND"] = "That hold has ended (it expired, was released, or is already paid).",
        ["HOLD_EXPIRED"] = "Your hold ran out before the payment went through. Nothing was charged; pick the seat again if it's still free.",
        ["INVALID_AMOUNT"] = "Enter a whole number of points from 1 to 10,000,000.",
        ["INSUFFICIENT_BALANCE"] = "You don't have enough points. Top up and pay again — your seat is still held until the timer runs out.",
        ["SEAT_ALREADY_SOLD"] = "Sorry, this seat was sold to someone else. Nothing was charged.",
        ["INVALID_IDEMPOTENCY_KEY"] = "Something went wrong with the form. Reload the page and try again.",
        ["IDEMPOTENCY_KEY_IN_FLIGHT"] = "We're still working on your previous click. Wait a moment, then reload.",
        ["IDEMPOTENCY_KEY_REUSED"] = "This form was already used for something else. Reload the page and try again.",
    };

    /// <summary>The sentence for <paramref name="problem"/>.</summary>
    public static string For(ApiProblem problem) =>
        Messages.TryGetValue(problem.Code, out var message) ? message : problem.Detail ?? problem.Title ?? "Something went wrong. Please try again.";

    /// <summary>True when <paramref name="code"/> has a sentence of its own.</summary>
    public static bool IsKnown(string code) => Messages.ContainsKey(code);
}
