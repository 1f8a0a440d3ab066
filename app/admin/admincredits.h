#pragma once

class QCommandLineParser;

// `pvc-admin credits [--csv FILE|-]`: the hosts ranked by the credit the master's ledger grants them
// (docs/batch.md, "The ledger"), with their recent average, certified tasks and last statement.
namespace pvc::app {

void addCreditsOptions(QCommandLineParser& parser);
int runCredits(QCommandLineParser& parser);

} // namespace pvc::app
