// OutputCapture in this process: what reaches descriptors 1 and 2 by any
// route is taken per stream, cut with a marker, and a task that empties the
// file behind the capture's back (`: > /dev/stdout`) does not crash it.
// gtest itself prints to stdout, so each test checks only once the capture
// has given the descriptors back.
#include "engine/output_capture.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <system_error>

namespace {

using herd::engine::OutputCapture;

struct Taken {
  bool written = false;
  std::string out, err;
};

Taken take(OutputCapture& capture, uint64_t limit = 1 << 20) {
  Taken t;
  t.written = capture.written();
  capture.take(limit, t.out, t.err);
  return t;
}

ino_t inode(int fd) {
  struct stat st {};
  ::fstat(fd, &st);
  return st.st_ino;
}

TEST(OutputCaptureTest, TakesEachStreamByEveryRoute) {
  Taken nothing, stdio, streams, raw, child, after;
  {
    OutputCapture capture;
    nothing = take(capture);
    std::printf("printf\n");
    std::fprintf(stderr, "fprintf\n");
    stdio = take(capture);
    std::cout << "cout" << std::endl;
    std::cerr << "cerr\n";
    std::clog << "clog\n";
    streams = take(capture);
    (void)!::write(STDOUT_FILENO, "raw\n", 4);
    raw = take(capture);
    (void)!std::system("echo child; echo child-err >&2");
    child = take(capture);
    after = take(capture);
  }
  EXPECT_FALSE(nothing.written);
  EXPECT_EQ(nothing.out + nothing.err, "");
  EXPECT_TRUE(stdio.written);
  EXPECT_EQ(stdio.out, "printf\n");
  EXPECT_EQ(stdio.err, "fprintf\n");
  EXPECT_EQ(streams.out, "cout\n");
  EXPECT_EQ(streams.err, "cerr\nclog\n");
  EXPECT_EQ(raw.out, "raw\n");
  EXPECT_EQ(child.out, "child\n");
  EXPECT_EQ(child.err, "child-err\n");
  EXPECT_FALSE(after.written);
}

TEST(OutputCaptureTest, CutsAtTheLimitWithAMarkerAndZeroKeepsNothing) {
  Taken cut, whole, none, next;
  {
    OutputCapture capture;
    std::printf("%s", std::string(10000, 'x').c_str());
    cut = take(capture, 10);
    std::printf("0123456789");
    whole = take(capture, 10);
    std::printf("dropped");
    none = take(capture, 0);
    next = take(capture);
  }
  EXPECT_EQ(cut.out, "xxxxxxxxxx\n[herd: output cut at 10 bytes of 10000]\n");
  EXPECT_EQ(whole.out, "0123456789");
  EXPECT_TRUE(none.written);
  EXPECT_EQ(none.out, "");
  EXPECT_FALSE(next.written);
  EXPECT_EQ(next.out, "");
}

TEST(OutputCaptureTest, SurvivesTheFileBeingEmptiedBehindItsBack) {
  Taken emptied, reopened, later;
  {
    OutputCapture capture;
    // Opens /dev/stdout anew with O_TRUNC and writes nothing: the file is
    // left empty, and the page the capture watches is past its end.
    (void)!std::system(": > /dev/stdout");
    emptied = take(capture);
    (void)!std::system("echo again > /dev/stdout");
    reopened = take(capture);
    std::printf("later\n");
    later = take(capture);
  }
  EXPECT_EQ(emptied.out, "");
  EXPECT_EQ(reopened.out, "again\n");
  EXPECT_EQ(later.out, "later\n");
}

TEST(OutputCaptureTest, GivesTheDescriptorsBack) {
  const ino_t out = inode(STDOUT_FILENO), err = inode(STDERR_FILENO);
  ino_t during = 0;
  {
    OutputCapture capture;
    during = inode(STDOUT_FILENO);
  }
  EXPECT_NE(during, out);
  EXPECT_EQ(inode(STDOUT_FILENO), out);
  EXPECT_EQ(inode(STDERR_FILENO), err);
}

TEST(OutputCaptureTest, OnlyOneAtATime) {
  bool threw = false;
  {
    OutputCapture capture;
    try {
      OutputCapture second;
    } catch (const std::system_error&) {
      threw = true;
    }
  }
  EXPECT_TRUE(threw);
}

}  // namespace
