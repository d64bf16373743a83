using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace Ticketing.WaitingRoom;

/// <summary>
/// Carries trace context across Kafka in message headers (OpenTelemetry messaging semantic conventions: the producer
/// injects, the consumer extracts and starts its span with the producer's context as parent or link). Uses
/// <see cref="Propagators.DefaultTextMapPropagator"/>, which the OpenTelemetry SDK sets to W3C Trace Context
/// (<c>traceparent</c>, <c>tracestate</c>) and Baggage when telemetry is on; with telemetry off it is a no-op and the
/// headers stay empty.
/// </summary>
public static class KafkaTracing
{
    /// <summary>Headers holding <paramref name="activity"/>'s context and the current baggage (none when it is null).</summary>
    public static Headers Inject(Activity? activity)
    {
        var headers = new Headers();
        if (activity is not null)
        {
            Propagators.DefaultTextMapPropagator.Inject(new PropagationContext(activity.Context, Baggage.Current), headers,
                static (carrier, key, value) => carrier.Add(key, Encoding.UTF8.GetBytes(value)));
        }

        return headers;
    }

    /// <summary>The producer's trace context from <paramref name="headers"/>, or <c>default</c> when there is none.</summary>
    public static ActivityContext Extract(Headers? headers)
    {
        if (headers is null)
        {
            return default;
        }

        // Baggage is not made current: the consumer loop's thread serves many messages in turn.
        return Propagators.DefaultTextMapPropagator.Extract(default, headers,
            static (carrier, key) => carrier.TryGetLastBytes(key, out var value) ? [Encoding.UTF8.GetString(value)] : []).ActivityContext;
    }
}
