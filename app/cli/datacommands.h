#pragma once

#include "commands.h"

// `pvc publish` and `pvc fetch`: BitTorrent data inside the overlay, through the local pvcd (docs/data.md).
namespace pvc::app::cli {

int runPublish(const Invocation& invocation);
int runFetch(const Invocation& invocation);

} // namespace pvc::app::cli
