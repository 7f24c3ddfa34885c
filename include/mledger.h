/* libmledger: the umbrella header. */
#ifndef MLEDGER_H
#define MLEDGER_H

#include "mledger/error.h"
#include "mledger/key.h"
#include "mledger/event.h"
#include "mledger/ledger.h"
#include "mledger/lot.h"
#include "mledger/trace.h"
#include "mledger/policy.h"
#include "mledger/proof.h"
#include "mledger/note.h"
#include "mledger/tiles.h"
#include "mledger/bundle.h"

#define MLEDGER_VERSION "0.1.0"

#endif
