// A task library that cannot be loaded: it needs a symbol nothing defines,
// so dlopen (RTLD_NOW) fails with "undefined symbol: herd_test_missing_symbol".
extern "C" int herd_test_missing_symbol();
extern "C" int herd_test_broken_entry() { return herd_test_missing_symbol(); }
