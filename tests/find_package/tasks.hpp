// The outside project's one task.
#pragma once

int triple(int x);
