// Word lists for `dev seed-users`. Names are ordered roughly from common to rare: the
// seeder picks from the front more often, so the directory has the clumps of Smiths and
// Marias a real one has, and searching "son" or "smit" finds many rows, as it would.

export const GIVEN_NAMES = [
  'James', 'Mary', 'John', 'Maria', 'Robert', 'Anna', 'Michael', 'Sarah', 'David', 'Laura',
  'William', 'Emma', 'Richard', 'Olivia', 'Joseph', 'Sophie', 'Thomas', 'Emily', 'Daniel', 'Julia',
  'Matthew', 'Hannah', 'Christopher', 'Jessica', 'Andrew', 'Elena', 'Mark', 'Lisa', 'Paul', 'Sofia',
  'Peter', 'Anna-Lena', 'Steven', 'Charlotte', 'Kevin', 'Amelia', 'Brian', 'Isabella', 'George', 'Mia',
  'Edward', 'Grace', 'Jonathan', 'Chloe', 'Ryan', 'Lucy', 'Jacob', 'Ella', 'Nicholas', 'Zoë',
  'Alexander', 'Lea', 'Samuel', 'Clara', 'Benjamin', 'Nora', 'Lucas', 'Ingrid', 'Henry', 'Astrid',
  'Oliver', 'Freya', 'Jack', 'Chiara', 'Liam', 'Giulia', 'Noah', 'Francesca', 'Ethan', 'Camille',
  'Hugo', 'Léa', 'Louis', 'Manon', 'Jules', 'Inès', 'Mathieu', 'Amélie', 'Pierre', 'Céline',
  'José', 'Lucía', 'Carlos', 'Carmen', 'Javier', 'Isabel', 'Diego', 'Valentina', 'Alejandro', 'Camila',
  'João', 'Beatriz', 'Pedro', 'Ana', 'Luis', 'Mariana', 'Jonas', 'Leonie', 'Lukas', 'Katharina',
  'Felix', 'Johanna', 'Maximilian', 'Marie', 'Sebastian', 'Greta', 'Jürgen', 'Jörg', 'Björn', 'Sören',
  'Lars', 'Sigrid', 'Erik', 'Maja', 'Magnus', 'Elin', 'Mikko', 'Aino', 'Jan', 'Katarzyna',
  'Piotr', 'Agnieszka', 'Tomasz', 'Małgorzata', 'Paweł', 'Ewa', 'Ivan', 'Olga', 'Dmitri', 'Natalia',
  'Mohammed', 'Fatima', 'Ahmed', 'Aisha', 'Omar', 'Layla', 'Ali', 'Yasmin', 'Hassan', 'Noor',
  'Wei', 'Mei', 'Jun', 'Li', 'Hiroshi', 'Yuki', 'Kenji', 'Sakura', 'Min-jun', 'Seo-yeon',
  'Raj', 'Priya', 'Arjun', 'Ananya', 'Vikram', 'Deepa', 'Kwame', 'Amara', 'Chidi', 'Ngozi',
  'Siobhán', 'Niamh', 'Seán', 'Aoife', 'Dylan', 'Rhiannon', 'Finn', 'Isla', 'Callum', 'Ava',
] as const;

export const FAMILY_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'García', 'Wilson', 'Anderson',
  'Taylor', 'Thomas', 'Moore', 'Jackson', 'Martin', 'Lee', 'Thompson', 'White', 'Harris', 'Clark',
  'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Hill', 'Green',
  'Adams', 'Baker', 'Nelson', 'Carter', 'Mitchell', 'Roberts', 'Turner', 'Phillips', 'Campbell', 'Parker',
  'Evans', 'Edwards', 'Collins', 'Stewart', 'Morris', 'Murphy', 'Cook', 'Rogers', 'Morgan', 'Peterson',
  'Cooper', 'Reed', 'Bailey', 'Bell', 'Kelly', 'Howard', 'Ward', 'Cox', 'Richardson', 'Wood',
  'Watson', 'Brooks', 'Bennett', 'Gray', 'Hughes', 'Price', 'Sanders', 'Myers', 'Long', 'Ross',
  "O'Brien", "O'Connor", 'Byrne', 'Ryan', 'Walsh', 'McCarthy', 'MacDonald', 'Fraser', 'Davies', 'Jenkins',
  'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann',
  'Schäfer', 'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann',
  'Martínez', 'Rodríguez', 'López', 'González', 'Hernández', 'Pérez', 'Sánchez', 'Ramírez', 'Torres', 'Flores',
  'Silva', 'Santos', 'Oliveira', 'Souza', 'Pereira', 'Costa', 'Ferreira', 'Almeida', 'Gonçalves', 'Ribeiro',
  'Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco',
  'Dubois', 'Durand', 'Lefèvre', 'Moreau', 'Laurent', 'Simon', 'Michel', 'Leroy', 'Roux', 'Fontaine',
  'de Vries', 'van Dijk', 'Bakker', 'Janssen', 'Visser', 'Smit', 'de Jong', 'van der Berg', 'Mulder', 'Bos',
  'Johansson', 'Andersson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson', 'Olsen', 'Hansen', 'Nielsen', 'Jensen',
  'Kowalski', 'Nowak', 'Wiśniewski', 'Wójcik', 'Novák', 'Horváth', 'Ivanov', 'Petrov', 'Smirnov', 'Popescu',
  'Nguyen', 'Tran', 'Kim', 'Park', 'Chen', 'Wang', 'Zhang', 'Liu', 'Tanaka', 'Suzuki',
  'Sato', 'Yamamoto', 'Patel', 'Sharma', 'Singh', 'Kumar', 'Gupta', 'Khan', 'Hussain', 'Rahman',
  'Okafor', 'Mensah', 'Adeyemi', 'Mwangi', 'Haddad', 'Nasser', 'Cohen', 'Levi', 'Friedman', 'Dalton',
] as const;

/** Mail domains under the reserved example names (RFC 2606), so no mail can go out to a real box. */
export const EMAIL_DOMAINS = [
  'example.com', 'example.org', 'example.net', 'mail.example.com', 'post.example.org',
  'inbox.example.net', 'staff.example.com', 'users.example.org',
] as const;

/**
 * Country code plus the first digits of a mobile range, so that with the 7 digits the seeder
 * adds the number has its country's length (US 10 national digits, UK 10, FR 9, ...).
 */
export const PHONE_PREFIXES = [
  '1415', '1212', '1312', '1617', '1206', '1512', '1303', '1404',
  '44770', '44791', '49151', '49172', '3361', '3460', '39333', '4670',
] as const;

export const LOCK_REASONS = [
  'Too many failed sign-in attempts',
  'Suspicious sign-in from a new country',
  'Locked by an administrator pending review',
  'Password found in a breach list',
] as const;

export const ORGANIZATION_WORDS = [
  'Northwind', 'Bluebird', 'Riverside', 'Summit', 'Harbor', 'Evergreen', 'Granite', 'Silverline',
  'Redwood', 'Lakeside', 'Brightwater', 'Ironbridge', 'Meadow', 'Starling', 'Copperfield', 'Oakridge',
  'Westgate', 'Highland', 'Clearview', 'Foxglove', 'Juniper', 'Kestrel', 'Larkspur', 'Moorland',
] as const;

export const ORGANIZATION_KINDS = [
  'Logistics', 'Health', 'Analytics', 'Labs', 'Energy', 'Studios', 'Partners', 'Foods',
  'Bank', 'Insurance', 'Robotics', 'Media', 'Legal', 'Travel', 'Software', 'Consulting',
] as const;

export const ORGANIZATION_SUFFIXES = ['', ' Ltd', ' GmbH', ' Inc.', ' S.A.', ' AB', ' & Co.', ' Group'] as const;

/** The form of a name used in logins and emails: "Zoë" → "zoe", "O'Brien" → "obrien". */
export function asciiName(name: string): string {
  return name.toLowerCase()
    .replace(/ß/g, 'ss').replace(/ø/g, 'o').replace(/æ/g, 'ae').replace(/ł/g, 'l')
    .normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z]/g, '');
}
