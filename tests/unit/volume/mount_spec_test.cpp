#include "volume/mount_spec.hpp"

#include <catch2/catch.hpp>

#include "temp_dir.hpp"

using namespace asup::volume;

namespace {

std::string error_of(const asup::Result<MountSpec>& r) {
  REQUIRE_FALSE(r);
  return r.error().message;
}

}  // namespace

TEST_CASE("volume flag: HOST:CTR is a bind mount with Docker's default propagation", "[volume]") {
  auto m = parse_volume_flag("/srv//data/:/data/./x");
  REQUIRE(m);
  CHECK(m.value().type == MountType::bind);
  CHECK(m.value().source == "/srv/data");
  CHECK(m.value().target == "/data/x");
  CHECK_FALSE(m.value().read_only);
  CHECK(m.value().propagation == "rprivate");
}

TEST_CASE("volume flag: NAME:CTR:ro is a named volume, /CTR alone an anonymous one", "[volume]") {
  auto named = parse_volume_flag("cache:/var/cache:ro,z");
  REQUIRE(named);
  CHECK(named.value().type == MountType::volume);
  CHECK(named.value().source == "cache");
  CHECK(named.value().read_only);
  CHECK(named.value().mode == "ro,z");
  CHECK(named.value().copy_data);
  CHECK_FALSE(named.value().anonymous());

  auto anon = parse_volume_flag("/var/lib/data");
  REQUIRE(anon);
  CHECK(anon.value().anonymous());
  CHECK(anon.value().target == "/var/lib/data");
}

TEST_CASE("volume flag: options: propagation, nocopy, Z, rw", "[volume]") {
  auto bind = parse_volume_flag("/a:/b:rslave,Z");
  REQUIRE(bind);
  CHECK(bind.value().propagation == "rslave");
  CHECK_THAT(parse_volume_flag("/a:/b:rshared").error().message,
             Catch::Contains("bind propagation rshared is not supported"));
  auto nocopy = parse_volume_flag("vol:/b:nocopy,rw");
  REQUIRE(nocopy);
  CHECK_FALSE(nocopy.value().copy_data);
  CHECK_FALSE(nocopy.value().read_only);
}

TEST_CASE("volume flag: errors are Docker's", "[volume]") {
  CHECK(error_of(parse_volume_flag(":/b")) == "invalid volume specification: ':/b'");
  CHECK(error_of(parse_volume_flag("/a:/b:ro:x")) == "invalid volume specification: '/a:/b:ro:x'");
  CHECK(error_of(parse_volume_flag("/foo:rw")) == "invalid volume specification: '/foo:rw'");
  CHECK(error_of(parse_volume_flag("vol:")) == "invalid volume specification: 'vol:'");
  CHECK(error_of(parse_volume_flag("/a:/b:bad")) == "invalid mode: bad");
  CHECK(error_of(parse_volume_flag("/a:/b:ro,rw")) == "invalid mode: ro,rw");
  CHECK(error_of(parse_volume_flag("/a:/")) ==
        "invalid volume specification: '/a:/': invalid mount config for type \"bind\": "
        "invalid specification: destination can't be '/'");
  CHECK(error_of(parse_volume_flag("vol:rel")) ==
        "invalid volume specification: 'vol:rel': invalid mount config for type \"volume\": "
        "invalid mount path: 'rel' mount path must be absolute");
  CHECK(error_of(parse_volume_flag("/a:/b:nocopy")) ==
        "invalid volume specification: '/a:/b:nocopy': invalid mount config for type "
        "\"bind\": field VolumeOptions must not be specified");
  CHECK(error_of(parse_volume_flag("vol:/b:rslave")) ==
        "invalid volume specification: 'vol:/b:rslave': invalid mount config for type "
        "\"volume\": field BindOptions must not be specified");
}

TEST_CASE("volume flag: does not require a bind source to exist (Docker creates it)", "[volume]") {
  CHECK(parse_volume_flag("/no/such/dir/here:/x"));
}

TEST_CASE("mount flag: bind, volume and tmpfs", "[volume]") {
  asup::volume::test::TempDir dir;
  auto bind = parse_mount_flag("type=bind,src=" + dir.path() +
                               ",dst=/data,readonly,"
                               "bind-propagation=rslave");
  REQUIRE(bind);
  CHECK(bind.value().type == MountType::bind);
  CHECK(bind.value().source == dir.path());
  CHECK(bind.value().target == "/data");
  CHECK(bind.value().read_only);
  CHECK(bind.value().propagation == "rslave");

  auto vol = parse_mount_flag(
      "source=db,target=/var/lib/db,volume-label=team=core,volume-nocopy,"
      "\"volume-opt=o=size=64m,uid=1000\",volume-opt=type=tmpfs,volume-opt=device=tmpfs");
  REQUIRE(vol);
  CHECK(vol.value().type == MountType::volume);
  CHECK(vol.value().source == "db");
  CHECK_FALSE(vol.value().copy_data);
  CHECK(vol.value().volume_labels == std::map<std::string, std::string>{{"team", "core"}});
  CHECK(vol.value().volume_options == std::map<std::string, std::string>{{"o", "size=64m,uid=1000"},
                                                                         {"type", "tmpfs"},
                                                                         {"device", "tmpfs"}});

  auto tmpfs = parse_mount_flag("type=tmpfs,destination=/run/x,tmpfs-size=64m,tmpfs-mode=1770");
  REQUIRE(tmpfs);
  CHECK(tmpfs.value().tmpfs_size == 64 << 20);
  CHECK(tmpfs_options(tmpfs.value()) == "mode=1770,size=64m");
  auto anon = parse_mount_flag("type=volume,dst=/cache,ro=false");
  REQUIRE(anon);
  CHECK(anon.value().anonymous());
}

TEST_CASE("mount flag: errors are Docker's", "[volume]") {
  CHECK(error_of(parse_mount_flag("type=bind,x,target=/a")) ==
        "invalid field 'x' must be a key=value pair");
  CHECK(error_of(parse_mount_flag("type=bind,foo=bar,target=/a")) ==
        "unexpected key 'foo' in 'foo=bar'");
  CHECK(error_of(parse_mount_flag("type=volume,src=v")) == "target is required");
  CHECK(error_of(parse_mount_flag("type=,target=/a")) == "type is required");
  CHECK(error_of(parse_mount_flag("type=bind,target=/a")) ==
        "invalid mount config for type \"bind\": field Source must not be empty");
  CHECK(error_of(parse_mount_flag("type=bind,source=/no/such/x,target=/a")) ==
        "invalid mount config for type \"bind\": bind source path does not exist: /no/such/x");
  CHECK(error_of(parse_mount_flag("type=tmpfs,source=x,target=/a")) ==
        "invalid mount config for type \"tmpfs\": field Source must not be specified");
  CHECK(error_of(parse_mount_flag("type=tmpfs,target=/a,volume-nocopy")) ==
        "cannot mix 'volume-*' options with mount type 'tmpfs'");
  CHECK(error_of(parse_mount_flag("type=volume,target=/a,bind-propagation=shared")) ==
        "cannot mix 'bind-*' options with mount type 'volume'");
  CHECK(error_of(parse_mount_flag("type=tmpfs,target=/a,tmpfs-mode=99")) ==
        "invalid value for tmpfs-mode: 99");
  CHECK(error_of(parse_mount_flag("type=volume,target=/a,readonly=maybe")) ==
        "invalid value for readonly: maybe");
  CHECK(error_of(parse_mount_flag("type=volume,target=/a,ro")) ==
        "invalid mount config for type \"volume\": must not set ReadOnly mode when using "
        "anonymous volumes");
  CHECK(error_of(parse_mount_flag("type=nfs,target=/a")) ==
        "invalid mount config for type \"nfs\": mount type unknown");
  CHECK(error_of(parse_mount_flag("type=volume,target=/")) ==
        "invalid mount config for type \"volume\": invalid specification: destination can't "
        "be '/'");
  CHECK(error_of(parse_mount_flag("type=volume,tar\"get=/a")) ==
        "parse error on line 1, column 16: bare \" in non-quoted-field");
}
