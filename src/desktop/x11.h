// Internal: the Xlib headers, with the macros that collide with our names removed.
// Include this last in .cc files of this layer; never from a public header.
#pragma once

#include <X11/X.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <X11/extensions/XTest.h>
#include <X11/extensions/Xdamage.h>
#include <X11/extensions/Xfixes.h>
#include <X11/keysym.h>

// Xlib defines `Status` as a macro for int, which would rename mh::Status.
#ifdef Status
#undef Status
#endif
