import { parseUserListParams, userListUrl } from '../../src/admin/user-list.params.js';

describe('users list query string', () => {
  it('reads every choice and writes it back', () => {
    const { params, problems } = parseUserListParams({ q: ' smith ', status: 'blocked', role: 'MANAGER', org: '7',
      sort: 'created', dir: 'desc', after: 'abc_-1' });
    expect(problems).toEqual([]);
    expect(params).toEqual({ q: 'smith', status: 'blocked', role: 'MANAGER', org: 7, sort: 'created', dir: 'desc',
      after: 'abc_-1', last: false });
    expect(userListUrl(params)).toBe('/admin/users?q=smith&status=blocked&role=MANAGER&org=7&sort=created&dir=desc');
    expect(userListUrl(params,
      { after: 'x' })).toBe('/admin/users?q=smith&status=blocked&role=MANAGER&org=7&sort=created&dir=desc&after=x');
    expect(userListUrl(params,
      { status: undefined,
        last: true })).toBe('/admin/users?q=smith&role=MANAGER&org=7&sort=created&dir=desc&page=last');
  });

  it('drops unknown values with a message instead of failing', () => {
    const { params, problems } = parseUserListParams({ status: 'sleeping', role: 'KING', org: '-1', sort: 'password',
      dir: 'sideways', after: '<script>' });
    expect(params).toEqual({ q: '', sort: 'name', dir: 'asc', last: false });
    expect(problems).toHaveLength(3);
  });

  it('does not apply a search shorter than three characters', () => {
    const { params, problems } = parseUserListParams({ q: 'ab', status: 'active' });
    expect(params.q).toBe('');
    expect(params.status).toBe('active');
    expect(problems[0]).toMatch(/at least 3 characters/);
  });
});
