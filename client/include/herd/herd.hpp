// The one header a herd client includes.
#pragma once

#include "herd/async_result.hpp"
#include "herd/builtin.hpp"
#include "herd/bytes.hpp"
#include "herd/client.hpp"
#include "herd/codec.hpp"
#include "herd/dependency.hpp"
#include "herd/direct_view.hpp"
#include "herd/engine_store.hpp"
#include "herd/error.hpp"
#include "herd/profile.hpp"
#include "herd/progress.hpp"
#include "herd/task.hpp"
#include "herd/version.hpp"
#include "herd/view.hpp"
#include "herd/wait.hpp"
