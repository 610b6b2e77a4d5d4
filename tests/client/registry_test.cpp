// The task registry in libherd: HERD_TASK entries of a linked library are
// found by name and by address, carry their signature, and invoke the
// function through the codecs. No cluster involved.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "client/src/task_registry.hpp"
#include "herd/herd.hpp"
#include "support/test_tasks.hpp"

namespace {

using herd::detail::TaskEntry;
using herd::detail::TaskRegistry;

int never_registered(int x) { return x; }

TaskEntry find(const std::string& name) {
  TaskEntry entry;
  EXPECT_TRUE(TaskRegistry::instance().find(name, entry)) << name;
  return entry;
}

TEST(RegistryTest, FindsATaskByNameWithItsSignature) {
  const TaskEntry add = find("add");
  EXPECT_EQ(add.name, "add");
  EXPECT_EQ(add.signature, "int(int, int)");
  EXPECT_EQ(find("echo").signature, "string(string)");
  EXPECT_EQ(find("echo_bytes").signature, "bytes(bytes)");
  EXPECT_EQ(find("sleep_for").signature, "double(double)");
  EXPECT_EQ(find("engine_pid").signature, "int64()");
  EXPECT_EQ(find("shift").signature,
            "test_tasks::Point{double, double, string}(test_tasks::Point{double, double, string}, double, double)");
}

TEST(RegistryTest, FindsATaskByAddress) {
  TaskEntry entry;
  ASSERT_TRUE(TaskRegistry::instance().find(
      reinterpret_cast<herd::detail::AnyFunction>(&test_tasks::add), entry));
  EXPECT_EQ(entry.name, "add");
  EXPECT_EQ(herd::detail::registered_name(reinterpret_cast<herd::detail::AnyFunction>(&test_tasks::echo)),
            "echo");
}

TEST(RegistryTest, UnknownNameIsNotFound) {
  TaskEntry entry;
  EXPECT_FALSE(TaskRegistry::instance().find("no_such_task", entry));
}

TEST(RegistryTest, UnregisteredFunctionThrowsUnknownTask) {
  EXPECT_THROW(herd::detail::registered_name(reinterpret_cast<herd::detail::AnyFunction>(&never_registered)),
               herd::UnknownTask);
}

TEST(RegistryTest, BuiltinsAreRegisteredWithTheSignaturesTheHeaderDeclares) {
  EXPECT_EQ(find("herd::shell").signature, herd::builtin::shell.signature());
  EXPECT_EQ(find("herd::sleep").signature, herd::builtin::sleep.signature());
  EXPECT_EQ(find("herd::whoami").signature, herd::builtin::whoami.signature());
  EXPECT_EQ(herd::builtin::sleep.signature(), "void(double)");
}

TEST(RegistryTest, InvokeDecodesCallsAndEncodes) {
  const TaskEntry add = find("add");
  const herd::Bytes result = add.invoke(add.function, {herd::encode_frame(2), herd::encode_frame(40)});
  EXPECT_EQ(herd::decode_frame<int>(result), 42);

  const TaskEntry shift = find("shift");
  const test_tasks::Point p{1, 2, "p"};
  const herd::Bytes moved =
      shift.invoke(shift.function, {herd::encode_frame(p), herd::encode_frame(0.5), herd::encode_frame(-1.0)});
  EXPECT_EQ(herd::decode_frame<test_tasks::Point>(moved), (test_tasks::Point{1.5, 1, "p"}));
}

TEST(RegistryTest, InvokeWithWrongArgumentCountThrowsDecodeError) {
  const TaskEntry add = find("add");
  EXPECT_THROW(add.invoke(add.function, {herd::encode_frame(1)}), herd::DecodeError);
}

TEST(RegistryTest, InvokeWithUndecodableArgumentThrowsDecodeError) {
  const TaskEntry add = find("add");
  EXPECT_THROW(add.invoke(add.function, {herd::encode_frame(1), herd::Bytes(std::string("xy"))}),
               herd::DecodeError);
}

TEST(RegistryTest, InvokePassesTheTasksExceptionThrough) {
  const TaskEntry fail = find("fail_with");
  try {
    fail.invoke(fail.function, {herd::encode_frame(std::string("boom"))});
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "boom");
  }
}

TEST(RegistryTest, VoidTaskReturnsEmptyBytes) {
  const TaskEntry sleep = find("herd::sleep");
  EXPECT_TRUE(sleep.invoke(sleep.function, {herd::encode_frame(0.0)}).empty());
}

TEST(RegistryTest, RegisteringANameTwiceKeepsTheFirst) {
  TaskRegistry::instance().add({"add", "void()", nullptr, nullptr});
  EXPECT_EQ(find("add").signature, "int(int, int)");
}

TEST(RegistryTest, ThisTaskIsEmptyOutsideATask) {
  EXPECT_EQ(herd::this_task().task_id, "");
  EXPECT_EQ(herd::this_task().engine_id, 0u);
}

TEST(RegistryTest, TaskContextScopeSetsThisTask) {
  {
    herd::detail::TaskContextScope scope("abc-1", 3, 2);
    EXPECT_EQ(herd::this_task().task_id, "abc-1");
    EXPECT_EQ(herd::this_task().engine_id, 3u);
    EXPECT_EQ(herd::this_task().attempt, 2u);
    const TaskEntry context = find("context");
    const auto seen = herd::decode_frame<std::string>(context.invoke(context.function, {}));
    EXPECT_EQ(seen.substr(0, seen.find('|')), "abc-1");
  }
  EXPECT_EQ(herd::this_task().task_id, "");
}

}  // namespace
