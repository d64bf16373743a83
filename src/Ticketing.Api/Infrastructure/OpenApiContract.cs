using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using Ticketing.Api.Balance;

namespace Ticketing.Api.Infrastructure;

/// <summary>
/// Marks a route that takes the caller's queue pass in <c>X-Queue-Token</c> (API.md "Waiting room"): <see cref="OpenApiContract"/>
/// declares the header, and with <paramref name="InQuery"/> also the <c>queueToken</c> query parameter (for <c>EventSource</c>,
/// which cannot send headers).
/// </summary>
/// <param name="Active">True for the [active] routes: the pass must be ACTIVE (403 <c>QUEUE_TOKEN_NOT_ACTIVE</c> while waiting).</param>
/// <param name="InQuery">True when the pass may come as <c>?queueToken=</c> instead.</param>
public sealed record QueuePassMetadata(bool Active, bool InQuery = false);

/// <summary>Marks a route that honours <c>Idempotency-Key</c> (API.md "Idempotency"): <see cref="OpenApiContract"/> declares the header.</summary>
public sealed record IdempotencyKeyMetadata;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>) as the contract for outside developers (issue 20), built by ASP.NET Core's
/// OpenAPI support from the routes and their metadata, then completed by transformers (ASP.NET Core docs, "Customize OpenAPI
/// documents"): the Bearer security scheme and each operation's requirement (anonymous ones say so with an empty one), the
/// <c>X-Queue-Token</c> and <c>Idempotency-Key</c> headers with their rules, the problem responses every route can give
/// (401 on authorized routes, 415 on routes with a body, 429 and 503 everywhere) as <c>application/problem+json</c>,
/// <c>ProblemDetails</c> with the contract's <c>code</c> enum and <c>traceId</c>, real types for times and points, enums from
/// <see cref="AllowedValuesAttribute"/>, and <c>required</c> on every field an answer always carries.
/// </summary>
public static class OpenApiContract
{
    /// <summary>The name of the Bearer security scheme in <c>components.securitySchemes</c>.</summary>
    public const string BearerScheme = "bearer";

    /// <summary>Header of the queue pass (API.md).</summary>
    public const string QueueTokenHeader = "X-Queue-Token";

    /// <summary>Header of the idempotency key (API.md "Idempotency").</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    private const string ProblemJson = "application/problem+json";

    /// <summary>Registers the document with its transformers.</summary>
    public static IServiceCollection AddApiOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer(DescribeDocumentAsync);
            options.AddOperationTransformer(DescribeOperation);
            options.AddSchemaTransformer(DescribeSchema);
        });

    /// <summary>Declares <c>X-Queue-Token</c> on the route (and <c>?queueToken=</c> with <paramref name="inQuery"/>).</summary>
    public static TBuilder TakesQueuePass<TBuilder>(this TBuilder builder, bool active, bool inQuery = false) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new QueuePassMetadata(active, inQuery));

    /// <summary>Declares <c>Idempotency-Key</c> on the route.</summary>
    public static TBuilder TakesIdempotencyKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new IdempotencyKeyMetadata());

    private static async Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Ticketing API",
            Version = "v1",
            Description = """
                Concert ticketing with a fair virtual waiting room. The journey: sign up (`POST /api/users`), get an access token
                (`POST /api/auth/token`) and send it as `Authorization: Bearer`; join a concert's waiting room
                (`POST /api/concerts/{concertId}/queue`) and send the queue token you get as `X-Queue-Token`; wait until its status
                is `ACTIVE` (poll, or the live stream); then list dates and seats, hold a seat for a few minutes, top up points and pay
                the hold. Routes that need an ACTIVE queue token are marked **[active]**: with a token still in line they answer 403
                `QUEUE_TOKEN_NOT_ACTIVE`. Money is in whole points. Times are UTC (RFC 3339). Every error is
                `application/problem+json` (RFC 9457) with a stable `code`; switch on the code, never on the title. Over a rate
                limit the answer is 429 `RATE_LIMITED` with `Retry-After` in seconds.
                """,
        };
        // Relative: the document is right for whichever address serves it (a proxy, a replica, localhost).
        document.Servers = [new OpenApiServer { Url = "/", Description = "The server that serves this document" }];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "The access token of POST /api/auth/token (a JWT, 1 h).",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];

        // Every problem is one schema (ProblemDetails with the contract's code); made here too in case no route declared one.
        await context.GetOrCreateSchemaAsync(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), null, cancellationToken);
        document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
    }

    // The operations' groups, in the order of the journey.
    private static readonly (string Name, string Description)[] Tags =
    [
        ("Users", "Accounts and access tokens."),
        ("Challenge", "The proof-of-work challenge that sign-up and joining a waiting room need while it is on."),
        ("Waiting room", "One fair line per concert: join, wait (poll or stream), be admitted, leave."),
        ("Catalog", "Concerts, their dates and seats."),
        ("Holds", "A seat held for a few minutes, one winner per seat."),
        ("Balance", "Points: top-ups and history."),
        ("Payments", "Paying a hold with points."),
        ("Reservations", "What you bought, and cancelling it for a refund."),
        ("Organiser", "Putting concerts on sale, watching them sell, cancelling shows (organiser accounts only)."),
    ];

    private static Task DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        // Summaries and descriptions are the routes' own (WithSummary, WithDescription), written for API users; the handlers' XML
        // comments, which ASP.NET Core's XML comment support would put here, are written for readers of this code.
        operation.Summary = metadata.OfType<IEndpointSummaryMetadata>().LastOrDefault()?.Summary;
        operation.Description = metadata.OfType<IEndpointDescriptionMetadata>().LastOrDefault()?.Description;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any() || !metadata.OfType<IAuthorizeData>().Any();
        operation.Parameters ??= [];
        operation.Responses ??= [];
        if (anonymous)
        {
            operation.Security = []; // no requirement: callable without a token
        }
        else
        {
            AddProblem(operation, StatusCodes.Status401Unauthorized, metadata.OfType<QueuePassMetadata>().Any()
                ? "No valid access token (`UNAUTHORIZED`), or the queue token is missing, forged or someone else's (`QUEUE_TOKEN_INVALID`) or expired (`QUEUE_TOKEN_EXPIRED`)."
                : "No valid access token: `UNAUTHORIZED`.");
            if (metadata.OfType<IAuthorizeData>().Any(a => a.Policy is not null))
            {
                AddProblem(operation, StatusCodes.Status403Forbidden, "Signed in, but not allowed this route: `FORBIDDEN`.");
            }
        }

        if (metadata.OfType<QueuePassMetadata>().LastOrDefault() is { } pass)
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = QueueTokenHeader,
                In = ParameterLocation.Header,
                Required = !pass.InQuery,
                Description = pass.Active
                    ? "The caller's ACTIVE queue token for the concert (from POST /api/concerts/{concertId}/queue)."
                    : "The caller's queue token for the concert (from POST /api/concerts/{concertId}/queue).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
            if (pass.InQuery)
            {
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = "queueToken",
                    In = ParameterLocation.Query,
                    Required = false,
                    Description = "The queue token, for clients that cannot send headers (a browser's EventSource); X-Queue-Token wins when both come.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }

            AddProblem(operation, StatusCodes.Status403Forbidden, pass.Active
                ? "The queue token is for another concert (`QUEUE_TOKEN_WRONG_CONCERT`) or not ACTIVE yet (`QUEUE_TOKEN_NOT_ACTIVE`)."
                : "The queue token is for another concert: `QUEUE_TOKEN_WRONG_CONCERT`.");
        }

        if (metadata.OfType<IdempotencyKeyMetadata>().Any())
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = IdempotencyKeyHeader,
                In = ParameterLocation.Header,
                Required = false,
                Description = "A client-chosen key (1–255 characters): the same key from the same user with the same body answers the first "
                    + "response again for 24 h and the effect happens once; with another body 422 `IDEMPOTENCY_KEY_REUSED`; while the first is "
                    + "still running 409 `IDEMPOTENCY_KEY_IN_FLIGHT`; longer than 255 characters 400 `INVALID_IDEMPOTENCY_KEY`.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 255 },
            });
            AddProblem(operation, StatusCodes.Status409Conflict, "A request with the same Idempotency-Key is still running: `IDEMPOTENCY_KEY_IN_FLIGHT`.");
            AddProblem(operation, StatusCodes.Status422UnprocessableEntity, "The Idempotency-Key was used with another body: `IDEMPOTENCY_KEY_REUSED`.");
        }

        if (operation.RequestBody is not null)
        {
            AddProblem(operation, StatusCodes.Status400BadRequest, "Malformed JSON, a wrong type or a missing field: `INVALID_REQUEST`.");
            AddProblem(operation, StatusCodes.Status413PayloadTooLarge, "A body over 64 KiB: `PAYLOAD_TOO_LARGE`.");
            AddProblem(operation, StatusCodes.Status415UnsupportedMediaType, "A body that is not `application/json`: `UNSUPPORTED_MEDIA_TYPE`.");
        }

        var limited = metadata.OfType<EnableRateLimitingAttribute>().Any() ? " or this route's per-user or per-address limit" : "";
        AddProblem(operation, StatusCodes.Status429TooManyRequests,
            $"Over the per-address limit{limited}: `RATE_LIMITED`, with `Retry-After` (seconds).");
        AddProblem(operation, StatusCodes.Status503ServiceUnavailable,
            "A dependency (Postgres, Redis, Kafka) is unavailable; nothing was done, retry: `SERVICE_UNAVAILABLE`, with `Retry-After`.");

        foreach (var (status, response) in operation.Responses)
        {
            if (status.StartsWith('4') || status.StartsWith('5'))
            {
                OnlyProblemJson(response, context);
            }
        }

        return Task.CompletedTask;
    }

    // Adds a problem response, or appends the description to the one the route declared.
    private static void AddProblem(OpenApiOperation operation, int status, string description)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.TryGetValue(key, out var existing) && existing is OpenApiResponse declared)
        {
            if (declared.Description is null || !declared.Description.Contains(description, StringComparison.Ordinal))
            {
                declared.Description = IsDefaultDescription(declared.Description, status) ? description : $"{declared.Description} {description}";
            }

            return;
        }

        operation.Responses[key] = new OpenApiResponse { Description = description }; // its content: OnlyProblemJson, for every error
    }

    private static bool IsDefaultDescription(string? description, int status) =>
        string.IsNullOrEmpty(description) || description == Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);

    private static void OnlyProblemJson(IOpenApiResponse response, OpenApiOperationTransformerContext context)
    {
        if (response is OpenApiResponse problem)
        {
            problem.Content = new Dictionary<string, OpenApiMediaType> { [ProblemJson] = new() { Schema = ProblemSchema(context) } };
        }
    }

    private static IOpenApiSchema ProblemSchema(OpenApiOperationTransformerContext context) =>
        new OpenApiSchemaReference(nameof(Microsoft.AspNetCore.Mvc.ProblemDetails), context.Document);

    private static Task DescribeSchema(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        var property = context.JsonPropertyInfo;

        // Times go through the Api's own converter (UTC, RFC 3339), which hides their type from the generator.
        if (Nullable.GetUnderlyingType(type) is { } underlying ? underlying == typeof(DateTimeOffset) : type == typeof(DateTimeOffset))
        {
            schema.Type = Nullable.GetUnderlyingType(type) is null ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
            schema.Format = "date-time";
        }

        // Points to top up go through their own converter (out-of-range numbers become a 400 INVALID_AMOUNT, not a parse error).
        if (property?.CustomConverter is PointsAmountConverter)
        {
            schema.Type = JsonSchemaType.Integer;
            schema.Format = "int64";
            schema.Minimum = "1";
            var max = context.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<BalanceOptions>>().Value.MaxChargeAmount;
            schema.Maximum = max.ToString(System.Globalization.CultureInfo.InvariantCulture);
            schema.Description ??= $"Points to add: a whole number from 1 to {max:N0} (Ticketing:Balance:MaxChargeAmount); anything else is 400 INVALID_AMOUNT.";
        }

        if (property?.AttributeProvider?.GetCustomAttributes(typeof(AllowedValuesAttribute), inherit: false).FirstOrDefault() is AllowedValuesAttribute allowed)
        {
            schema.Enum = [.. allowed.Values.Select(v => (JsonNode)JsonValue.Create(v?.ToString())!)];
        }

        if (type == typeof(Microsoft.AspNetCore.Mvc.ProblemDetails))
        {
            DescribeProblem(schema);
        }
        else if (property is null && context.JsonTypeInfo.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object
            && IsOurs(type) && schema.Properties is { Count: > 0 })
        {
            // An answer always carries every field (null where it has no value), so a client can rely on each; a request needs every
            // field (a missing one is a 400 with the field's own code), except a patch, whose missing fields keep their values (the
            // generator would call a record's constructor parameters required).
            schema.Required = type.Name.EndsWith("Patch", StringComparison.Ordinal) ? null : new HashSet<string>(schema.Properties.Keys);
        }

        // A request's fields are nullable in C# only so that a missing one gets the Api's own 400 code; null is not a value to send.
        if (property?.DeclaringType is { } declaring && IsOurs(declaring) && declaring.Name.EndsWith("Request", StringComparison.Ordinal)
            && schema.Type is { } types && types != JsonSchemaType.Null)
        {
            schema.Type = types & ~JsonSchemaType.Null;
        }

        return Task.CompletedTask;
    }

    private static bool IsOurs(Type type) => type.Namespace?.StartsWith("Ticketing.", StringComparison.Ordinal) == true;

    private static void DescribeProblem(OpenApiSchema schema)
    {
        schema.Description = "An error (RFC 9457). `code` is stable and machine-readable; `title` and `detail` are for people.";
        schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
        schema.Properties["code"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "What went wrong, one of the contract's codes (API.md).",
            Enum = [.. ErrorCodeValues().Select(c => (JsonNode)JsonValue.Create(c)!)],
        };
        schema.Properties["traceId"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "The W3C trace id of the request: quote it when reporting a problem (it finds the request's trace and logs).",
        };
        schema.Required = new HashSet<string> { "code", "status", "title" };
    }

    /// <summary>The contract's error codes (<see cref="ErrorCodes"/>), in declaration order.</summary>
    public static IReadOnlyList<string> ErrorCodeValues() =>
        [.. typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!)];
}
