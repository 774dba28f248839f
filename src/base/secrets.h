// Secrets: values (API keys) that must never reach a sandbox, a transcript or a log.
//
// Whoever reads a secret registers it here; the logger and every writer of
// transcripts pass text through RedactSecrets(). Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace mh {

// Registers `value` as secret. Values shorter than 8 characters are ignored: they
// would redact ordinary words and no real key is that short.
void RegisterSecret(std::string_view value);

// Returns `text` with each registered secret replaced by "[REDACTED]".
std::string RedactSecrets(std::string_view text);

// Forgets all registered secrets (for tests).
void ClearSecretsForTesting();

}  // namespace mh
