#pragma once

#include <QString>

class QJsonArray;
class QJsonObject;

namespace pvc::ipc {
struct ControlReply;
}

// How `pvc` prints pvcd's answers. Kept apart from the commands so that each command reads as
// "ask pvcd, print the answer", and the wording and column widths live in one place (scripts parse
// them, so they must not drift).
namespace pvc::app::cli {

void out(const QString& text);

// Prints the error in the user's words (app/common/errortext) and returns the exit code: 3 when pvcd
// could not be reached or did not understand, 2 when it refused.
int failWith(const ipc::ControlReply& reply);

// The owner's policy as one line: "paused: <why> [policy.user_active]".
QString computingLine(const QJsonObject& computing);

void printStatus(const QJsonObject& status);
void printPreferences(const QJsonObject& preferences);
void printPeers(const QJsonArray& peers);
void printCredits(const QJsonObject& credits);

} // namespace pvc::app::cli
