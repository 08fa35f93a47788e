/* SPDX-License-Identifier: MIT */
/*
 * The UID log (roost.index.log): an append-only text file of UID
 * assignments and expunges, kept so that a corrupt roost.index can be
 * rebuilt without changing any UID. It is compacted into a snapshot of the
 * current records when it grows. Replay stops at the first garbled line
 * (a torn append after a crash) and keeps what came before.
 *
 *   roost-uidlog 1 V<uidvalidity>
 *   +<uid> <name>        UID assigned to name (UIDs ascend)
 *   -<uid>               UID expunged
 *   N<next_uid>          next UID raised
 */
#include "lib.h"
#include "mail-index-private.h"

#include <fcntl.h>
#include <unistd.h>

#define LOG_HEADER_PREFIX "roost-uidlog 1 V"
/* compact when the log is larger than this plus 128 bytes per record */
#define LOG_COMPACT_BASE_SIZE (64 * 1024)

static void
log_snapshot(struct mail_index *index, struct str *dest)
{
	const struct mail_index_record *rec;

	str_printfa(dest, "%s%u\n", LOG_HEADER_PREFIX, index->hdr.uid_validity);
	array_foreach(&index->records, rec)
		str_printfa(dest, "+%u %s\n", rec->uid, rec->name);
	str_printfa(dest, "N%u\n", index->hdr.next_uid);
}

static int
log_rewrite(struct mail_index *index)
{
	struct str *snap = str_create(system_pool, 4096);
	const char *error;
	int ret;

	log_snapshot(index, snap);
	ret = mail_index_replace_file(index, MAIL_INDEX_LOG_FILE_NAME,
				      str_c(snap), str_len(snap), NULL,
				      &error);
	str_free(&snap);
	if (ret < 0) {
		e_error(index->event, "Writing UID log failed: %s", error);
		return -1;
	}
	return 0;
}

/* 1 if the log at fd starts with our UIDVALIDITY and is small enough to
   keep appending to, 0 if it must be rewritten, -1 on error. */
static int
log_is_appendable(struct mail_index *index, int fd)
{
	char head[64], expect[64];
	struct stat st;
	ssize_t ret;
	int len;

	if (fstat(fd, &st) < 0)
		return -1;
	if ((uoff_t)st.st_size > LOG_COMPACT_BASE_SIZE +
	    (uoff_t)index->records.count * 128)
		return 0;
	len = snprintf(expect, sizeof(expect), "%s%u\n", LOG_HEADER_PREFIX,
		       index->hdr.uid_validity);
	ret = pread(fd, head, (size_t)len, 0);
	if (ret < 0)
		return -1;
	return ret == len && memcmp(head, expect, (size_t)len) == 0 ? 1 : 0;
}

static int
log_append(struct mail_index *index)
{
	int fd, ret;

	fd = openat(index->dir_fd, MAIL_INDEX_LOG_FILE_NAME,
		    O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? log_rewrite(index) : -1;
	ret = log_is_appendable(index, fd);
	if (ret == 1) {
		if (mail_index_write_full(fd, str_c(index->log_lines),
					  str_len(index->log_lines)) < 0 ||
		    fdatasync(fd) < 0)
			ret = -1;
	}
	if (ret < 0) {
		e_error(index->event, "Appending to %s/%s failed: %s",
			index->dir_path, MAIL_INDEX_LOG_FILE_NAME,
			strerror(errno));
	}
	(void)close(fd);
	if (ret == 0)
		return log_rewrite(index);
	return ret < 0 ? -1 : 0;
}

void
mail_index_log_commit(struct mail_index *index)
{
	int ret;

	if (index->log_rewrite)
		ret = log_rewrite(index);
	else if (str_len(index->log_lines) == 0)
		ret = 0;
	else
		ret = log_append(index);
	str_clear(index->log_lines);
	/* on failure the next write tries a full snapshot */
	index->log_rewrite = ret < 0;
}

static uint32_t
parse_u32(const char *p, const char **end_r)
{
	uint64_t num;

	if (str_parse_uint64(p, &num, end_r) < 0 || num == 0 ||
	    num > UINT32_MAX)
		return 0;
	return (uint32_t)num;
}

static int
replay_line(struct mail_index_uid_map *map, pool_t pool, const char *line)
{
	struct mail_index_uid_name *ent;
	const char *end;
	uint32_t uid = parse_u32(line + 1, &end);
	size_t count = map->names.count;

	if (uid == 0)
		return -1;
	switch (line[0]) {
	case '+':
		if (*end != ' ' || !mail_index_name_is_valid(end + 1) ||
		    uid < map->next_uid ||
		    (count > 0 && map->names.v[count - 1].uid >= uid))
			return -1;
		ent = array_push(&map->names);
		ent->uid = uid;
		ent->name = p_strdup(pool, end + 1);
		map->next_uid = uid + 1;
		return 0;
	case '-':
		if (*end != '\0')
			return -1;
		for (size_t i = count; i > 0; i--) {
			if (map->names.v[i - 1].uid == uid) {
				array_delete(&map->names, i - 1, 1);
				break;
			}
		}
		return 0;
	case 'N':
		if (*end != '\0')
			return -1;
		if (uid > map->next_uid)
			map->next_uid = uid;
		return 0;
	default:
		return -1;
	}
}

static int
replay(struct mail_index *index, char *data, size_t size, pool_t pool,
       struct mail_index_uid_map *map)
{
	char *line = data, *nl;
	const char *end;

	nl = memchr(line, '\n', size);
	if (nl == NULL || !str_begins(line, LOG_HEADER_PREFIX))
		return 0;
	*nl = '\0';
	map->uid_validity = parse_u32(line + strlen(LOG_HEADER_PREFIX), &end);
	if (map->uid_validity == 0 || *end != '\0')
		return 0;
	map->next_uid = 1;
	for (line = nl + 1; line < data + size; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(data + size - line));
		if (nl != NULL)
			*nl = '\0';
		if (nl == NULL || replay_line(map, pool, line) < 0) {
			e_warning(index->event, "Garbled UID log %s/%s at "
				  "offset %zu: ignoring the rest",
				  index->dir_path, MAIL_INDEX_LOG_FILE_NAME,
				  (size_t)(line - data));
			break;
		}
	}
	return 1;
}

int
mail_index_log_read_map(struct mail_index *index, pool_t pool,
			struct mail_index_uid_map *map_r)
{
	struct stat st;
	char *data;
	size_t pos = 0;
	int fd, ret;

	memset(map_r, 0, sizeof(*map_r));
	array_init(&map_r->names, pool, 64);
	fd = openat(index->dir_fd, MAIL_INDEX_LOG_FILE_NAME,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)MAIL_INDEX_MAX_LOG_SIZE) {
		(void)close(fd);
		return 0;
	}
	data = xmalloc((size_t)st.st_size + 1);
	while (pos < (size_t)st.st_size) {
		ssize_t r = read(fd, data + pos, (size_t)st.st_size - pos);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		pos += (size_t)r;
	}
	(void)close(fd);
	data[pos] = '\0';
	ret = replay(index, data, pos, pool, map_r);
	xfree(data);
	if (ret == 0) {
		e_warning(index->event, "Unusable UID log %s/%s (offset 0)",
			  index->dir_path, MAIL_INDEX_LOG_FILE_NAME);
		array_clear(&map_r->names);
	}
	return ret;
}
