// Fuzz target for the broker protocol's messages (core/protocol/brokermessages.h), which the broker
// parses from every client and the master from every broker.
#include "protocol/brokermessages.h"

#include <QJsonDocument>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

namespace bp = pvc::core::brokerprotocol;

void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "fuzz_brokermessages: invariant broken: %s\n", what);
        std::abort();
    }
}

// Whatever parses writes JSON that parses to the same message: toJson and parse agree on every key.
template <typename Message> void roundTrip(const QJsonObject& object, const char* name)
{
    const auto message = Message::parse(object);
    if (!message) {
        require(!message.error().code.isEmpty(), "error without a code");
        return;
    }
    const QJsonObject written = message->toJson();
    require(written.value(QLatin1String("v")).toInt() == bp::Version, "no version");
    const auto again = Message::parse(written);
    require(again.ok(), name);
    require(again->toJson() == written, name);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size > 64 * 1024) // a frame's limit (docs/protocol.md 1)
        return 0;
    const QByteArray json = QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size));
    const QJsonObject object = QJsonDocument::fromJson(json).object();
    const auto type = bp::messageType(object);
    if (type)
        require(bp::toString(*type) == object.value(QLatin1String("t")).toString(), "type names disagree");
    roundTrip<bp::Challenge>(object, "challenge");
    roundTrip<bp::Hello>(object, "hello");
    roundTrip<bp::Welcome>(object, "welcome");
    roundTrip<bp::Enrol>(object, "enrol");
    roundTrip<bp::EnrolQueued>(object, "enrol-queued");
    roundTrip<bp::EnrolResult>(object, "enrol-result");
    roundTrip<bp::Renew>(object, "renew");
    roundTrip<bp::Presence>(object, "presence");
    roundTrip<bp::SignedDocument>(object, "signed document");
    roundTrip<bp::RelayOpen>(object, "relay-open");
    roundTrip<bp::RelayData>(object, "relay-data");
    roundTrip<bp::RelayClose>(object, "relay-close");
    roundTrip<bp::BrokerError>(object, "error");
    if (const auto data = bp::RelayData::parse(object))
        require(data->data.size() <= bp::MaxRelayDataChars, "accepted an oversized relay chunk");
    return 0;
}
