/* SPDX-License-Identifier: MIT */
/*
 * The version-1 text UID log that roost.index.log used to be, read once
 * when an index from before the binary transaction log is upgraded or must
 * be rebuilt. The first binary log written replaces it.
 *
 *   roost-uidlog 1 V<uidvalidity>
 *   +<uid> <name>        UID assigned to name (UIDs ascend)
 *   -<uid>               UID expunged
 *   N<next_uid>          next UID raised
 *
 * Replay stops at the first garbled line (a torn append) and keeps what
 * came before.
 */
#include "lib.h"
#include "mail-index-private.h"

#define LOG_HEADER_PREFIX "roost-uidlog 1 V"
/* a line is at most "+<uid> <name>" */
#define TEXT_LOG_MAX_LINE (16 + MAIL_INDEX_MAX_NAME_LEN)

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
		map->next_uid = uid == UINT32_MAX ? uid : uid + 1;
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

int
mail_index_text_log_read(struct mail_index *index, const char *data,
			 size_t size, pool_t pool,
			 struct mail_index_uid_map *map)
{
	char line[TEXT_LOG_MAX_LINE + 1];
	const char *p = data, *end = data + size, *nl, *num_end;
	size_t len;

	nl = memchr(p, '\n', size);
	len = nl == NULL ? 0 : (size_t)(nl - p);
	if (nl == NULL || len > TEXT_LOG_MAX_LINE)
		return 0;
	memcpy(line, p, len);
	line[len] = '\0';
	if (!str_begins(line, LOG_HEADER_PREFIX))
		return 0;
	map->uid_validity = parse_u32(line + strlen(LOG_HEADER_PREFIX),
				      &num_end);
	if (map->uid_validity == 0 || *num_end != '\0')
		return 0;
	map->next_uid = 1;
	for (p = nl + 1; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl == NULL ? 0 : (size_t)(nl - p);
		if (nl != NULL && len <= TEXT_LOG_MAX_LINE) {
			memcpy(line, p, len);
			line[len] = '\0';
		}
		if (nl == NULL || len > TEXT_LOG_MAX_LINE ||
		    strlen(line) != len || replay_line(map, pool, line) < 0) {
			e_warning(index->event, "Garbled UID log %s/%s at "
				  "offset %zu: ignoring the rest",
				  index->dir_path, MAIL_INDEX_LOG_FILE_NAME,
				  (size_t)(p - data));
			break;
		}
	}
	return 1;
}
