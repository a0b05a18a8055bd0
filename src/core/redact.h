#pragma once
// Keeping secrets out of logs and printed configuration.

#include <string>

namespace retrain {

// Masks credentials in a URL or connection string: the password of user:password@ in the
// authority, and password= / token= / secret= parameters (query or keyword form).
std::string RedactUrl(const std::string& url);

}  // namespace retrain
