#pragma once

#include "protocol/traversal.h"

// The host's parts every tunnel (PeerTunnel) uses; TunnelManager owns them and keeps this current.
namespace pvc::core {

class BirthdayProber;
class DataPlane;
class HelperClient;

struct TunnelHost {
    DataPlane* dataPlane = nullptr;
    BirthdayProber* birthday = nullptr;
    HelperClient* helper = nullptr; // null: no pvc-helper
    NatKind localNat = NatKind::Unknown;
    bool localUdp = false;
};

} // namespace pvc::core
