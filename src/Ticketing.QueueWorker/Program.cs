using Ticketing.QueueWorker;
using Ticketing.WaitingRoom;
using Ticketing.WaitingRoom.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddBasicServiceDefaults();
builder.AddRedisClient("redis", RedisClientDefaults.Settings, RedisClientDefaults.Options);
builder.AddKafkaConnection("kafka");

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddOptions<QueueOptions>().BindConfiguration(QueueOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton<WaitingRoomStore>();
builder.Services.AddSingleton<JoinsProducer>();
builder.Services.AddHostedService<LostJoinsRecovery>(); // before the consumer starts: the lines are whole again first
builder.Services.AddHostedService<AdmissionWorker>();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
