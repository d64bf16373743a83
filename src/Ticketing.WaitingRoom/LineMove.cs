namespace Ticketing.WaitingRoom;

/// <summary>
/// A message of <see cref="QueueKeys.LineMovedChannel"/>: the concert whose waiting line moved and the tokens the move made
/// ACTIVE, if any (an admission step names them, so the Apis can tell those streams their turn came without reading every
/// stream of the concert first; QueueEventsHub). Wire form: <c>{concert:N}</c> or <c>{concert:N}:{token:N},{token:N}…</c>
/// (GUIDs in "N" format, at most <see cref="QueueOptions.AdmissionBatchSize"/> tokens: admit.lua).
/// </summary>
/// <param name="ConcertId">The concert whose line moved.</param>
/// <param name="Admitted">The tokens the move admitted (empty for a leave, an abandonment or a step that admitted nobody).</param>
public readonly record struct LineMove(Guid ConcertId, IReadOnlyList<Guid> Admitted)
{
    /// <summary>Reads a message in the wire form above; false (and nothing used) for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<char> message, out LineMove move)
    {
        move = default;
        var colon = message.IndexOf(':');
        if (!Guid.TryParseExact(colon < 0 ? message : message[..colon], "N", out var concertId))
        {
            return false;
        }

        var admitted = new List<Guid>();
        if (colon >= 0)
        {
            foreach (var range in message[(colon + 1)..].Split(','))
            {
                if (!Guid.TryParseExact(message[(colon + 1)..][range], "N", out var tokenId))
                {
                    return false;
                }

                admitted.Add(tokenId);
            }
        }

        move = new LineMove(concertId, admitted);
        return true;
    }
}
