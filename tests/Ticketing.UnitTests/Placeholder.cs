namespace Ticketing.UnitTests;
