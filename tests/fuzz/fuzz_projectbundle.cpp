// Fuzz target for project.json (core/security/projectbundle.h) and the two small parsers it
// relies on, AddressPlan and HostPort. A bundle comes from an installer or a download, so every
// byte of it is untrusted until its CA has been pinned.
#include "security/projectbundle.h"
#include "virtualization/addressplan.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {
void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_projectbundle: invariant broken: %s\n", what);
        std::abort();
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace pvc::core;
    if (size > 2 * ProjectBundle::MaxBytes)
        return 0;
    const QByteArray json = QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size));

    if (const auto bundle = ProjectBundle::fromJson(json)) {
        require(!bundle->name.isEmpty() && !bundle->domain.isEmpty() && !bundle->brokers.isEmpty(), "empty fields");
        require(bundle->projectId.size() == 64, "project id is not a SHA-256 fingerprint");
        require(AddressPlan::parse(bundle->network).ok(), "accepted a bad network");
        // What we load, we save and load again unchanged.
        const auto again = ProjectBundle::fromJson(bundle->toJson());
        require(again.ok(), "a saved bundle does not load");
        require(again->name == bundle->name && again->network == bundle->network && again->domain == bundle->domain
                && again->brokers == bundle->brokers && again->caCertificatePem == bundle->caCertificatePem
                && again->policyVersion == bundle->policyVersion && again->projectId == bundle->projectId,
            "a saved bundle loads differently");
    } else {
        require(!bundle.error().code.isEmpty(), "error without a code");
    }

    if (size > 1024)
        return 0;
    const QString text = QString::fromUtf8(json);
    if (const auto plan = AddressPlan::parse(text)) {
        require(plan->cidr().endsWith(QLatin1String("/16")), "accepted a prefix other than /16");
        require(plan->contains(plan->masterAddress()), "master outside its own network");
        require(plan->contains(plan->addressAt(plan->lastHostOffset())), "last host outside the network");
        const auto again = AddressPlan::parse(plan->cidr());
        require(again.ok() && again->cidr() == plan->cidr(), "cidr does not round trip");
    }
    if (const auto address = HostPort::parse(text)) {
        require(address->port != 0, "accepted port 0");
        const auto again = HostPort::parse(address->toString());
        require(again.ok() && again->host == address->host && again->port == address->port,
            "host:port does not round trip");
    }
    return 0;
}
