using Microsoft.AspNetCore.Routing;
using RelayWarden.Web.Api;

namespace RelayWarden.Web;

/// <summary>
/// The REST API's areas: each maps its routes onto the <c>/api</c> group, which already demands a
/// valid session or token and checks CSRF on session writes. One line per area.
/// </summary>
internal static class ConsoleAreas
{
    public static IReadOnlyList<Action<RouteGroupBuilder>> Api { get; } =
    [
        SessionApi.Map,
        TokensApi.Map,
        AlertsApi.Map,
        QueueApi.Map,
        RecordsApi.Map,
        DirectoryApi.Map,
        BlocklistApi.Map,
        OperatorsApi.Map,
    ];
}
