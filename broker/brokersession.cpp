#include "brokersession.h"

#include "protocol/brokermessages.h"

namespace pvc::broker {

void refuse(Session* session, const QString& code, const QString& detail, bool close)
{
    session->send(core::brokerprotocol::BrokerError { code, detail }.toJson());
    if (close)
        session->close();
}

} // namespace pvc::broker
