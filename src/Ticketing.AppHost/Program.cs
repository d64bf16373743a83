// Ticketing.AppHost: the local orchestrator. `./run.sh` builds and starts it; Ctrl+C stops everything.
return await new Ticketing.AppHost.Orchestrator().RunAsync();
