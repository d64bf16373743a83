namespace Ticketing.Api.Data.Model;

/// <summary>A row of <c>balance_history</c>: one change of a user's balance.</summary>
public sealed class BalanceChange
{
    /// <summary>Values of <see cref="Kind"/> (check <c>balance_history_kind_check</c>).</summary>
    public static readonly string[] Kinds = ["CHARGE", "PAYMENT", "REFUND"];

    /// <summary>Ordering key: <c>GENERATED ALWAYS AS IDENTITY</c>, so Postgres numbers rows in insert order.</summary>
    public long Id { get; set; }

    /// <summary>The account (foreign key to <c>users</c>).</summary>
    public Guid UserId { get; set; }

    /// <summary><c>CHARGE</c>, <c>PAYMENT</c> or <c>REFUND</c>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>Points moved, &gt; 0; the kind says the direction.</summary>
    public long Amount { get; set; }

    /// <summary>The balance right after the change, in points, ≥ 0.</summary>
    public long BalanceAfter { get; set; }

    /// <summary>
    /// The payment of a <c>PAYMENT</c> row, or the payment a <c>REFUND</c> row gives back (foreign key to <c>payments</c>; unique among
    /// REFUND rows, index <c>balance_history_one_refund_per_payment</c>, so a payment is refunded at most once); null for a <c>CHARGE</c>.
    /// </summary>
    public Guid? PaymentId { get; set; }

    /// <summary>When (UTC; column default <c>now()</c>).</summary>
    public DateTimeOffset At { get; set; }
}
