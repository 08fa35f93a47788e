/* SPDX-License-Identifier: MIT */
/*
 * Maildir file names as Dovecot writes them:
 *   <time>.M<usec>P<pid>Q<counter>R<random>.<host>,S=<size>,W=<vsize>:2,<flags>
 * The base name is everything before ':'. Flag letters (sorted ASCII):
 * D draft, F flagged, R answered, S seen, T deleted; lowercase letters are
 * keywords, kept as they are.
 */
#include "lib.h"
#include "mail-storage-private.h"

#include <sys/random.h>
#include <sys/time.h>
#include <unistd.h>

static const struct {
	char letter;
	uint32_t flag;
} flag_letters[] = {
	{ 'D', MAIL_DRAFT },
	{ 'F', MAIL_FLAGGED },
	{ 'R', MAIL_ANSWERED },
	{ 'S', MAIL_SEEN },
	{ 'T', MAIL_DELETED },
};

const char *
maildir_filename_base(pool_t pool, const char *fname)
{
	const char *colon = strchr(fname, ':');

	if (colon == NULL)
		return p_strdup(pool, fname);
	return p_strndup(pool, fname, (size_t)(colon - fname));
}

static const char *
info_letters(const char *fname)
{
	const char *info = strchr(fname, ':');

	if (info == NULL || strncmp(info, ":2,", 3) != 0)
		return NULL;
	return info + 3;
}

uint32_t
maildir_filename_flags(const char *fname)
{
	const char *letters = info_letters(fname);
	uint32_t flags = 0;

	if (letters == NULL)
		return 0;
	for (; *letters != '\0'; letters++) {
		for (unsigned int i = 0; i < N_ELEMENTS(flag_letters); i++) {
			if (*letters == flag_letters[i].letter)
				flags |= flag_letters[i].flag;
		}
	}
	return flags;
}

const char *
maildir_filename_set_flags(pool_t pool, const char *base,
			   const char *old_fname, uint32_t flags)
{
	const char *old = old_fname == NULL ? NULL : info_letters(old_fname);
	struct str *str = str_create(pool, strlen(base) + 16);

	str_append(str, base);
	str_append(str, ":2,");
	for (unsigned int i = 0; i < N_ELEMENTS(flag_letters); i++) {
		if ((flags & flag_letters[i].flag) != 0)
			str_append_c(str, flag_letters[i].letter);
	}
	/* keep keyword letters (and anything else that is not ours) */
	for (; old != NULL && *old != '\0'; old++) {
		bool ours = false;
		for (unsigned int i = 0; i < N_ELEMENTS(flag_letters); i++)
			ours = ours || *old == flag_letters[i].letter;
		if (!ours && *old != '/' && *old != ':')
			str_append_c(str, *old);
	}
	return str_c(str);
}

const char *
maildir_filename_set_flags_kw(pool_t pool, const char *base, uint32_t flags,
			      const char *letters)
{
	struct str *str = str_create(pool, strlen(base) + 40);

	str_append(str, base);
	str_append(str, ":2,");
	for (unsigned int i = 0; i < N_ELEMENTS(flag_letters); i++) {
		if ((flags & flag_letters[i].flag) != 0)
			str_append_c(str, flag_letters[i].letter);
	}
	str_append(str, letters);
	return str_c(str);
}

bool
maildir_filename_get_size(const char *base, char key, uoff_t *size_r)
{
	const char *p = base, *end;
	uint64_t num;

	while ((p = strchr(p, ',')) != NULL) {
		p++;
		if (p[0] != key || p[1] != '=')
			continue;
		if (str_parse_uint64(p + 2, &num, &end) < 0 ||
		    (*end != '\0' && *end != ',' && *end != ':'))
			return false;
		*size_r = num;
		return true;
	}
	return false;
}

const char *
maildir_filename_generate(struct mail_user *user, pool_t pool)
{
	struct timeval tv;
	uint32_t rnd = 0;

	if (gettimeofday(&tv, NULL) < 0)
		lib_panic("gettimeofday() failed: %s", strerror(errno));
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint32_t)tv.tv_usec ^ (uint32_t)getpid();
	user->save_counter++;
	return p_strdup_printf(pool, "%lld.M%ldP%ldQ%uR%08x.%s",
			       (long long)tv.tv_sec, (long)tv.tv_usec,
			       (long)getpid(), user->save_counter, rnd,
			       user->hostname);
}
