using Ticketing.Client;
using static Ticketing.Client.ApiContract;

namespace Ticketing.Web.Services;

/// <summary>
/// Words a person understands for every error <c>code</c> of the Api contract (shared/API.md). Unknown codes fall
/// back to the Api's own detail or title.
/// </summary>
public static class ErrorMessages
{
    private static readonly Dictionary<string, string> Messages = new(StringComparer.Ordinal)
    {
        [ErrorCodes.InvalidRequest] = "Something in the form isn't right. Check it and try again.",
        [ErrorCodes.NotFound] = "We couldn't find that page or item.",
        [ErrorCodes.Unauthorized] = "Please sign in to continue.",
        [ErrorCodes.Forbidden] = "You're not allowed to do that.",
        [ErrorCodes.PayloadTooLarge] = "That's more than we can accept in one go.",
        [ErrorCodes.RateLimited] = "Too many tries in a short time. Wait a moment and try again.",
        [ErrorCodes.InternalError] = "Something went wrong on our side. Please try again in a moment.",
        [ErrorCodes.ServiceUnavailable] = "The ticketing service is unavailable right now. Please try again in a moment.",
        [ErrorCodes.InvalidName] = "Names are 3 to 32 letters, digits, dots, dashes or underscores.",
        [ErrorCodes.WeakPassword] = "That password is too short. Use at least 8 characters.",
        [ErrorCodes.NameTaken] = "Someone already uses that name. Pick another one.",
        [ErrorCodes.BadCredentials] = "That name and password don't match an account.",
        [ErrorCodes.ChallengeRequired] = "Your browser has to finish a quick check that you're not a bot before this can go through. Allow this page's script to run (JavaScript), then try again.",
        [ErrorCodes.ChallengeInvalid] = "The quick check that you're not a bot ran out or was already used. Please try again.",
        [ErrorCodes.QueueTokenInvalid] = "Your place in line isn't valid any more. Join the line again.",
        [ErrorCodes.QueueTokenNotActive] = "You're still in the waiting room. We'll let you in as soon as it's your turn.",
        [ErrorCodes.QueueTokenExpired] = "Your turn has ended (you were away too long, left, or already paid). Join the line again to book more.",
        [ErrorCodes.QueueTokenWrongConcert] = "Your pass is for a different concert. Join this concert's line first.",
        [ErrorCodes.ConcertNotFound] = "We couldn't find that concert.",
        [ErrorCodes.DrawNotFound] = "This concert has no pre-queue draw yet: it is made when the sale opens, if anyone joined before.",
        [ErrorCodes.ScheduleNotFound] = "We couldn't find that date.",
        [ErrorCodes.SeatUnavailable] = "Someone else is holding or has bought this seat. Pick another one.",
        [ErrorCodes.SeatNotFound] = "That seat doesn't exist.",
        [ErrorCodes.BookingClosed] = "Booking for this date is closed.",
        [ErrorCodes.HoldLimitReached] = "You're already holding the most seats allowed for this date. Pay for or release one first.",
        [ErrorCodes.HoldNotFound] = "That hold has ended (it expired, was released, or is already paid).",
        [ErrorCodes.HoldExpired] = "Your hold ran out before the payment went through. Nothing was charged; pick the seat again if it's still free.",
        [ErrorCodes.InvalidAmount] = "Enter a whole number of points from 1 to 10,000,000.",
        [ErrorCodes.InsufficientBalance] = "You don't have enough points. Top up and pay again — your seat is still held until the timer runs out.",
        [ErrorCodes.SeatAlreadySold] = "Sorry, this seat was sold to someone else. Nothing was charged.",
        [ErrorCodes.ReservationNotFound] = "We couldn't find that reservation.",
        [ErrorCodes.ReservationAlreadyCancelled] = "This reservation is already cancelled, and its points were refunded.",
        [ErrorCodes.CancellationClosed] = "Booking for this show has closed, so the reservation can't be cancelled any more.",
        [ErrorCodes.InvalidSeatMap] = "The seat bands must cover seats 1 to 50 exactly once (no gaps, no overlaps), each with a grade of 1 to 16 characters and a price from 1 to 10,000,000 points.",
        [ErrorCodes.InvalidBookingWindow] = "Booking must open before it closes, and close no later than the show starts.",
        [ErrorCodes.ScheduleCancelled] = "This show is cancelled; it can't be changed any more.",
        [ErrorCodes.InvalidIdempotencyKey] = "Something went wrong with the form. Reload the page and try again.",
        [ErrorCodes.IdempotencyKeyInFlight] = "We're still working on your previous click. Wait a moment, then reload.",
        [ErrorCodes.IdempotencyKeyReused] = "This form was already used for something else. Reload the page and try again.",
    };

    /// <summary>The sentence for <paramref name="problem"/>.</summary>
    public static string For(ApiProblem problem) =>
        Messages.TryGetValue(problem.Code, out var message) ? message : problem.Detail ?? problem.Title ?? "Something went wrong. Please try again.";

    /// <summary>True when <paramref name="code"/> has a sentence of its own.</summary>
    public static bool IsKnown(string code) => Messages.ContainsKey(code);
}
