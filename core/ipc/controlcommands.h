#pragma once

#include <QLatin1String>

// The control API's command names (docs/protocol.md, "Control API"), spelled once: pvcd dispatches on
// them, and `pvc` and the tray send them.
namespace pvc::ipc::command {

inline constexpr QLatin1String Status("status");
inline constexpr QLatin1String Peers("peers");
inline constexpr QLatin1String Join("join");
inline constexpr QLatin1String Leave("leave");
inline constexpr QLatin1String Ping("ping");
inline constexpr QLatin1String SetPolicy("set-policy");
inline constexpr QLatin1String Credits("credits");
// The owner's computing preferences and pause state (core/grid/ownercontrol.h).
inline constexpr QLatin1String GetPreferences("get-preferences");
inline constexpr QLatin1String SetPreferences("set-preferences");
inline constexpr QLatin1String Pause("pause");
inline constexpr QLatin1String Resume("resume");
inline constexpr QLatin1String FinishThenPause("finish-then-pause");
// BitTorrent data inside the overlay (core/data/, docs/data.md).
inline constexpr QLatin1String DataPublish("data-publish");
inline constexpr QLatin1String DataFetch("data-fetch");
inline constexpr QLatin1String DataStatus("data-status");

} // namespace pvc::ipc::command
