using System.Data;
using Dapper;

namespace Ticketing.Api.Data;

/// <summary>
/// Npgsql reads <c>timestamptz</c> as a UTC <see cref="DateTime"/>; Dapper cannot convert that to
/// <see cref="DateTimeOffset"/> by itself, so this handler does (offset always zero).
/// </summary>
public sealed class DateTimeOffsetHandler : SqlMapper.TypeHandler<DateTimeOffset>
{
    private static int s_registered;

    /// <summary>Registers the handler once per process.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            SqlMapper.AddTypeHandler(new DateTimeOffsetHandler());
        }
    }

    /// <inheritdoc />
    public override void SetValue(IDbDataParameter parameter, DateTimeOffset value) => parameter.Value = value.ToUniversalTime();

    /// <inheritdoc />
    public override DateTimeOffset Parse(object value) => value switch
    {
        DateTimeOffset offset => offset,
        DateTime dateTime => new DateTimeOffset(DateTime.SpecifyKind(dateTime, DateTimeKind.Utc)),
        _ => throw new DataException($"Cannot read {value.GetType()} as a DateTimeOffset."),
    };
}
