// Layer rules for Foyer (issue 15 item 8; DESIGN.md "Where things live"). A file imports only
// from its own layer or a lower one; type-only imports count too. Bottom to top:
//   L0 platform     src/platform, src/db, src/config, src/security
//   L1 infra        src/jobs, src/mail, src/audit
//   L2 domain       src/users, src/groups, src/organizations, src/applications, src/settings,
//                   src/api-keys, src/sessions, src/mass-actions, src/provisioning
//   L3 protocol     src/oidc
//   L4 web          src/admin, src/account, src/interactions, src/scim, src/setup (rooms do not import each other)
//   L5 composition  src/app.ts, src/services.ts
//   L6 entries      src/main.ts, src/cli
// Run: npx depcruise src migrations bench --config .dependency-cruiser.cjs (part of npm run lint)

const L0 = '^src/(platform|db|config|security)/';
const L1 = '^src/(jobs|mail|audit)/';
const L2 = '^src/(users|groups|organizations|applications|settings|api-keys|sessions|mass-actions|provisioning)/';
const L3 = '^src/oidc/';
const L4 = '^src/(admin|account|interactions|scim|setup)/';
const L5 = '^src/(app|services)\\.ts$';
const L6 = '^src/(main\\.ts$|cli/)';

/** `from` layer may not import anything in `to` (the layers above it). */
function above(name, from, to, comment) {
  return { name, severity: 'error', comment, from: { path: from }, to: { path: to } };
}

const WEB_ROOMS = ['admin', 'account', 'interactions', 'scim', 'setup'];

module.exports = {
  forbidden: [
    above('platform-imports-upward', L0, [L1, L2, L3, L4, L5, L6],
      'src/platform, src/db, src/config and src/security are the bottom layer: they import nothing else from src/.'),
    above('infrastructure-imports-upward', L1, [L2, L3, L4, L5, L6],
      'src/jobs, src/mail and src/audit may import only the platform layer.'),
    above('domain-imports-upward', L2, [L3, L4, L5, L6],
      'Domain rooms may import each other, infrastructure and platform; never oidc, web rooms or composition.'),
    above('oidc-imports-upward', L3, [L4, L5, L6],
      'src/oidc may import domain, infrastructure and platform; never the web rooms or composition.'),
    above('web-imports-upward', L4, [L5, L6],
      'Web rooms get their services handed in; they do not import app.ts, services.ts, main.ts or the CLI.'),
    above('composition-imports-entries', L5, [L6],
      'src/app.ts and src/services.ts are composed by the entries, not the other way round.'),
    ...WEB_ROOMS.map((room) => ({
      name: `web-room-${room}-imports-another-web-room`,
      severity: 'error',
      comment: `src/${room} may not import another web room (${WEB_ROOMS.filter((r) => r !== room).join(', ')}); `
        + 'shared pieces go down to src/platform or a domain room.',
      from: { path: `^src/${room}/` },
      to: { path: `^src/(${WEB_ROOMS.filter((r) => r !== room).join('|')})/` },
    })),
    {
      name: 'migrations-import-src',
      severity: 'error',
      comment: 'A migration is frozen in time: it may import src/db/ only, never the live domain code.',
      from: { path: '^migrations/' },
      to: { path: '^src/', pathNot: '^src/db/' },
    },
    {
      name: 'src-imports-tests-or-bench',
      severity: 'error',
      comment: 'Production code never imports test/ or bench/.',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles in src/ (type-only imports count).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve to a file or an installed package.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|data|dist|coverage)/' },
    // Type-only imports are edges too (`import type`, `import { type X }`).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // With tsConfig set, `import './x.js'` resolves to x.ts, as NodeNext module resolution does.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
