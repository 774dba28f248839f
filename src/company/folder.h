// The company folder as a whole: whether it is where it was last run (or was moved, or is
// a copy of a folder that still exists), whether its store is this company's, and the
// doctor that checks and repairs it (`macrohard doctor`). docs/company.md, "The folder".
//
// A folder is self-contained: nothing in its state names a path outside it or its own
// absolute place; workspace paths are re-derived from the folder it is opened in. The one
// place recorded is informative only: `.macrohard/folder` holds the folder's identity (a
// random instance id) and where it was last opened, so that a copy can be told from a move.
//
// Thread-safety: none needed; these run before a company does.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "sandbox/process.h"
#include "store/store.h"

namespace mh::company {

enum class FolderPlace {
  kHome,   // Opened where it was last opened (or never recorded: now it is).
  kMoved,  // Last opened elsewhere, and nothing there claims its identity any more.
  kCopy,   // A copy: the folder it was last opened in still holds the same identity.
};

struct FolderCheck {
  FolderPlace place = FolderPlace::kHome;
  std::string instance;  // The folder's identity (empty before it was first recorded).
  std::string original;  // kMoved/kCopy: where it was last opened.
};

// Where `dir` stands (reads `.macrohard/folder`, and the one at the recorded place).
FolderCheck LocateFolder(const std::string& dir);

// Records `dir` as the folder's place (keeping its identity, or a new one when
// `new_identity`, or when it has none yet). Errors: kInternal when the file cannot be written.
Status ClaimFolder(const std::string& dir, bool new_identity);

// What run/serve do before opening a company: a copy whose original still exists is
// refused (kFailedPrecondition, saying what to do); a move is recorded, and `note` says so.
Status EnterFolder(const std::string& dir, std::string* note);

// The store must be this company's: it exists, holds the company's record (its
// company_created event under the folder's company id) and its work items. Errors:
// kFailedPrecondition naming what is wrong and `macrohard doctor DIR`.
Status VerifyStore(const std::string& dir, store::Store& store);

// The path of the store if it exists; kFailedPrecondition (with what to do) when it is
// missing or empty. Does not create it.
Status StoreFilePresent(const std::string& dir);

// One problem `macrohard doctor` found.
struct Finding {
  std::string what;    // "a stale git lock: repo/.git/index.lock"
  std::string advice;  // What to do about it (or what --repair did).
  bool repairable = false;
  bool repaired = false;
};

struct DoctorOptions {
  bool repair = false;
};

// Checks the company folder `dir` (see docs/company.md, "doctor"). `store` may be null when
// the store cannot be opened (the finding says so). Never deletes work that has not landed.
std::vector<Finding> Examine(const std::string& dir, store::Store* store,
                             sandbox::ProcessRunner& runner, const DoctorOptions& options);

}  // namespace mh::company
