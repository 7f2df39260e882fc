-- The web desk's colleagues (people_colleagues): the enrolled officers and commanders a tip may
-- be assigned to, read without walking every resident.
CREATE INDEX people_colleagues ON people (area) WHERE role IN ('police', 'commander');
