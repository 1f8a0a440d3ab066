// Fuzz target for policies (core/security/policy.h): the owner's local policy file, and the master's
// signed global policy that brokers forward.
#include "security/policy.h"
#include "tunnel/ippacket.h"

#include <QJsonDocument>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

// The key and project of the throw-away CA that signed seeds/policy/signed.json.
const QByteArray CaPublicPem = QByteArrayLiteral("-----BEGIN PUBLIC KEY-----\n"
                                                 "MCowBQYDK2VwAyEAS+sU06xkEMpFKjHaeD1/jUQWxl2znQJGM4zyst7USNc=\n"
                                                 "-----END PUBLIC KEY-----\n");
const QString Project = QStringLiteral("7d2c5a0f3e8b41c69a1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f70819");

void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_policy: invariant broken: %s\n", what);
        std::abort();
    }
}

// Two policies decide alike on a spread of peers, protocols and ports.
void requireSameDecisions(const pvc::core::Policy& a, const pvc::core::Policy& b)
{
    using namespace pvc::core;
    const Endpoint endpoints[] = { { QStringLiteral("master"), { QStringLiteral("master") } },
        { QStringLiteral("alice"), { QStringLiteral("volunteer") } },
        { QStringLiteral("bob"), { QStringLiteral("volunteer"), QStringLiteral("gpu") } }, {} };
    for (const Endpoint& from : endpoints)
        for (const Endpoint& to : endpoints)
            for (const quint8 protocol : { ipproto::Tcp, ipproto::Udp, ipproto::Icmp, quint8(47) })
                for (const quint16 port : { 0, 1, 22, 8050, 9123, 65535 })
                    require(a.allowsNew(from, to, protocol, port) == b.allowsNew(from, to, protocol, port),
                        "a re-read policy decides differently");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace pvc::core;
    if (size > 256 * 1024)
        return 0;
    const QByteArray json = QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size));

    const auto policy = Policy::parse(json);
    if (!policy) {
        require(policy.error().code.startsWith(QLatin1String("policy.")), "error without a policy code");
    } else {
        require(json.size() <= Policy::MaxBytes, "accepted an oversize policy");
        require(policy->ruleCount() <= Policy::MaxRules, "accepted too many rules");
        // The canonical form reads back as the same policy.
        const QJsonObject canonical = policy->toJson();
        const auto again = Policy::parse(QJsonDocument(canonical).toJson());
        require(again.ok(), "the canonical form does not parse");
        require(again->ruleCount() == policy->ruleCount() && again->toJson() == canonical, "round trip changed it");
        requireSameDecisions(*policy, *again);

        // A local policy equal to the global one changes nothing; an empty one refuses everything.
        PolicySet set;
        set.setGlobal(*policy);
        set.setLocal(*again);
        require(set.allowsNew({}, {}, ipproto::Tcp, 22) == policy->allowsNew({}, {}, ipproto::Tcp, 22),
            "local copy changed a decision");
        set.setLocal(Policy());
        require(!set.allowsNew({}, {}, ipproto::Tcp, 22), "an empty local policy allowed a flow");
    }

    const auto verified = SignedPolicy::verify(QJsonDocument::fromJson(json).object(), CaPublicPem, Project);
    if (verified) {
        require(verified->project == Project, "accepted a policy for another project");
        require(verified->version >= 0, "accepted a negative version");
        require(verified->policy.ruleCount() <= Policy::MaxRules, "accepted too many signed rules");
    } else {
        require(verified.error().code.startsWith(QLatin1String("policy.")), "signed: error without a policy code");
    }
    return 0;
}
