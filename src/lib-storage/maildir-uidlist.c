/* SPDX-License-Identifier: MIT */
/*
 * Import of Dovecot's dovecot-uidlist, read once when roost first indexes a
 * Maildir so that UIDVALIDITY and UIDs survive a migration. Format version
 * 3 (Dovecot 1.0 and later):
 *   3 V<uidvalidity> N<uidnext> [G<guid>] [other fields]
 *   <uid> [<ext fields>] :<base name>
 * and version 1: "1 <uidvalidity> <uidnext>" then "<uid> <file name>".
 * The file is never written; roost keeps its own state in its index.
 */
#include "lib.h"
#include "mail-storage-private.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static bool
parse_u32(const char *str, uint32_t *num_r)
{
	return str_to_uint32(str, num_r) == 0 && *num_r != 0;
}

static int
parse_header(char *line, unsigned int *version_r,
	     struct mail_index_uid_map *map)
{
	pool_t pool = pool_create_arena("uidlist header", 256);
	char **args = p_strsplit_spaces(pool, line, " ");
	unsigned int count = strv_length(args);
	int ret = -1;

	if (count >= 3 && strcmp(args[0], "1") == 0) {
		*version_r = 1;
		if (parse_u32(args[1], &map->uid_validity) &&
		    parse_u32(args[2], &map->next_uid))
			ret = 0;
	} else if (count >= 1 && strcmp(args[0], "3") == 0) {
		*version_r = 3;
		for (unsigned int i = 1; i < count; i++) {
			if (args[i][0] == 'V')
				(void)parse_u32(args[i] + 1, &map->uid_validity);
			else if (args[i][0] == 'N')
				(void)parse_u32(args[i] + 1, &map->next_uid);
		}
		if (map->uid_validity != 0 && map->next_uid != 0)
			ret = 0;
	}
	pool_destroy(&pool);
	return ret;
}

/* "<uid> [ext] :<name>" (v3) or "<uid> <name>" (v1). */
static int
parse_line(char *line, unsigned int version, pool_t pool,
	   struct mail_index_uid_map *map)
{
	char *name, *sp = strchr(line, ' ');
	struct mail_index_uid_name *ent;
	size_t count = map->names.count;
	uint32_t uid;

	if (sp == NULL)
		return -1;
	*sp = '\0';
	if (!parse_u32(line, &uid))
		return -1;
	if (version == 3) {
		name = strstr(sp + 1, ":");
		if (name == NULL || (name != sp + 1 && name[-1] != ' '))
			return -1;
		name++;
	} else {
		name = sp + 1;
	}
	/* a base name never has the ":2,<flags>" part */
	char *colon = strchr(name, ':');
	if (colon != NULL)
		*colon = '\0';
	if (!mail_index_name_is_valid(name) ||
	    (count > 0 && map->names.v[count - 1].uid >= uid))
		return -1;
	ent = array_push(&map->names);
	ent->uid = uid;
	ent->name = p_strdup(pool, name);
	if (map->next_uid <= uid)
		map->next_uid = uid + 1;
	return 0;
}

static char *
read_file(struct mailbox *box, size_t *size_r)
{
	struct stat st;
	size_t pos = 0;
	char *data;
	int fd;

	fd = openat(box->dir_fd, MAILDIR_DOVECOT_UIDLIST,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)MAIL_INDEX_MAX_LOG_SIZE) {
		(void)close(fd);
		return NULL;
	}
	data = xmalloc((size_t)st.st_size + 1);
	while (pos < (size_t)st.st_size) {
		ssize_t ret = read(fd, data + pos, (size_t)st.st_size - pos);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0)
			break;
		pos += (size_t)ret;
	}
	(void)close(fd);
	data[pos] = '\0';
	*size_r = pos;
	return data;
}

int
maildir_uidlist_read(struct mailbox *box, pool_t pool,
		     struct mail_index_uid_map *map_r)
{
	unsigned int version = 0;
	char *data, *line, *nl;
	size_t size;

	memset(map_r, 0, sizeof(*map_r));
	array_init(&map_r->names, pool, 64);
	if ((data = read_file(box, &size)) == NULL)
		return 0;
	nl = memchr(data, '\n', size);
	if (nl == NULL || memchr(data, '\0', size) != NULL) {
		e_warning(box->event, "Ignoring unusable %s/%s (offset 0)",
			  box->path, MAILDIR_DOVECOT_UIDLIST);
		xfree(data);
		return 0;
	}
	*nl = '\0';
	if (parse_header(data, &version, map_r) < 0) {
		e_warning(box->event, "Ignoring %s/%s: unsupported header "
			  "(offset 0)", box->path, MAILDIR_DOVECOT_UIDLIST);
		xfree(data);
		return 0;
	}
	for (line = nl + 1; line < data + size; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (*line != '\0' &&
		    parse_line(line, version, pool, map_r) < 0) {
			e_warning(box->event, "Garbled %s/%s at offset %zu: "
				  "ignoring the rest", box->path,
				  MAILDIR_DOVECOT_UIDLIST,
				  (size_t)(line - data));
			break;
		}
		if (nl == NULL)
			break;
	}
	e_info(box->event, "Imported %zu UIDs (UIDVALIDITY %u) from %s/%s",
	       map_r->names.count, map_r->uid_validity, box->path,
	       MAILDIR_DOVECOT_UIDLIST);
	xfree(data);
	return 1;
}
