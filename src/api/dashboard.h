#pragma once
// The dashboard: one self-contained HTML page (web/dashboard.html, compiled into the binary)
// that shows models and jobs from the REST API and refreshes itself.

#include "http/server.h"

namespace retrain {

// GET / (and HEAD): the page. Other methods: 405.
Response DashboardPage(const Request& request);

}  // namespace retrain
