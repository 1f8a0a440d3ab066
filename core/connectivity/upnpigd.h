#pragma once

#include "common/result.h"

#include <QHostAddress>
#include <QString>
#include <memory>

namespace pvc::core {

// The few actions of a UPnP Internet Gateway Device's WANIPConnection service (UPnP IGD 1.0/2.0,
// WANIPConnection section 2.4) that UpnpMapper needs. Every call blocks on the network, so they run on
// the mapper's worker thread only. The actions return 0 on success, a UPnP error code (718
// ConflictInMappingEntry, ...) when the router refused, or a negative code when it could not be
// reached or answered nonsense. miniupnpc sits behind this interface, in upnpigd.cpp only.
class UpnpIgd {
public:
    // One row of the router's port mapping table.
    struct Entry {
        quint16 externalPort = 0;
        QString protocol; // "UDP" or "TCP"
        QHostAddress internalClient;
        quint16 internalPort = 0;
        QString description;
        int leaseSeconds = 0; // what is left of the lease; 0 for a permanent mapping
    };

    // UPnP error codes the mapper acts on (WANIPConnection section 2.4.16).
    static constexpr int SpecifiedArrayIndexInvalid = 713;
    static constexpr int NoSuchEntryInArray = 714;
    static constexpr int ConflictInMappingEntry = 718;
    static constexpr int OnlyPermanentLeasesSupported = 725;

    virtual ~UpnpIgd() = default;

    // Finds an IGD by SSDP, waiting at most timeoutMs, and returns the address of this host on the
    // IGD's LAN. Errors: upnp.no_igd (no device answered), upnp.not_an_igd (devices, but no IGD).
    virtual Result<QHostAddress> discover(int timeoutMs) = 0;

    virtual int externalAddress(QHostAddress* address) = 0;
    virtual int addPortMapping(quint16 externalPort, const QHostAddress& client, quint16 internalPort,
        const QString& description, int leaseSeconds)
        = 0;
    // IGD 2.0 only: the router picks a free external port near the one asked for.
    virtual int addAnyPortMapping(quint16 externalPort, const QHostAddress& client, quint16 internalPort,
        const QString& description, int leaseSeconds, quint16* reservedPort)
        = 0;
    virtual int deletePortMapping(quint16 externalPort, const QString& protocol) = 0;
    virtual int specificEntry(quint16 externalPort, const QString& protocol, Entry* entry) = 0;
    // Row `index` of the table; SpecifiedArrayIndexInvalid past the end.
    virtual int genericEntry(int index, Entry* entry) = 0;

    // "718 ConflictInMappingEntry", for logs and error details.
    static QString describe(int code);
    // The implementation over miniupnpc.
    static std::unique_ptr<UpnpIgd> create();
};

} // namespace pvc::core
