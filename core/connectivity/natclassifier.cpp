#include "connectivity/natclassifier.h"

namespace pvc::core {

NatKind classifyNat(const QStringList& observations, const QSet<QString>& hostEndpoints)
{
    QStringList views = observations;
    const qsizetype destinations = views.size();
    views.removeDuplicates();
    if (views.isEmpty())
        return NatKind::Unknown;
    if (views.size() > 1)
        return NatKind::Symmetric; // one socket, a different mapping per destination
    if (hostEndpoints.contains(views.first()))
        return NatKind::None;
    // One destination alone cannot tell the mapping behaviour.
    return destinations > 1 ? NatKind::EndpointIndependent : NatKind::Unknown;
}

} // namespace pvc::core
