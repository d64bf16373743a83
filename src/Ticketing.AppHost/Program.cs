Console.WriteLine("Ticketing.AppHost: not yet");
